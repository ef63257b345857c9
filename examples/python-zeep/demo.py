"""Drives ocr_client.py (the system under test) through the cases a QA suite checks, scripting
cora-ocr-mock's admin API with plain urllib:

  1. a file that completes                    -> Completed
  2. a file the OCR robot cannot read          -> Failed with ErrorCode RobotProfileNotFound (a rule)
  3. a batch whose first two GetStatus fault   -> the faults are handled, the batch still Completed
  4. a FileBatch the service refuses (fault)   -> Rejected, nothing retried

    python3 demo.py --mock-url http://127.0.0.1:8080      (ADMIN_TOKEN from the environment if set)

Prints one line per case and "N passed, M failed"; exits 1 when a case did not go as expected.
The rules it adds are deleted at the end, so it can run against a shared mock.
"""
import argparse
import json
import os
import sys
import urllib.request

from ocr_client import OcrService, process_file

SERVICE_PATH = "/SequenceServices/coraOcrIntegration_v1.0.0.asmx"


class Admin:
    def __init__(self, mock_url: str, token: str = None):
        self.base = mock_url.rstrip("/") + "/__admin"
        self.token = token

    def call(self, method: str, path: str, body=None):
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(req, timeout=10) as res:
            text = res.read().decode()
            return json.loads(text) if text else None

    def add_rule(self, rule: dict) -> str:
        return self.call("POST", "/rules", rule)["id"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="the system under test against cora-ocr-mock, case by case")
    parser.add_argument("--mock-url", default=os.environ.get("CORA_MOCK_URL", "http://127.0.0.1:8080"))
    args = parser.parse_args(argv)
    mock_url = args.mock_url.rstrip("/")
    admin = Admin(mock_url, os.environ.get("ADMIN_TOKEN"))
    print("mock:", admin.call("GET", "/health")["status"], "at", mock_url)

    rules = [
        admin.add_rule({"match": {"operation": "FileBatch", "fileName": "*.unreadable.pdf"},
                        "outcome": {"status": "Failed", "errorCode": "RobotProfileNotFound", "at": "ProcessingInput"}}),
        # For GetStatus the stored batch's fields are matched: this file's first two polls fault.
        admin.add_rule({"match": {"operation": "GetStatus", "externalContext": r"-flaky\.pdf$"}, "times": 2,
                        "fault": {"type": "soapFault", "message": "database is busy"}}),
        admin.add_rule({"match": {"operation": "FileBatch", "fileName": "*.locked.pdf"},
                        "fault": {"type": "soapFault", "code": "Client", "message": "Input file is locked"}}),
    ]
    service = OcrService(mock_url + SERVICE_PATH)
    cases = [
        ("completes", "invoice-0001.pdf", "Completed", "NoError", 0),
        ("fails with an ErrorCode", "invoice-0002.unreadable.pdf", "Failed", "RobotProfileNotFound", 0),
        ("GetStatus faults are handled", "invoice-0003-flaky.pdf", "Completed", "NoError", 2),
        ("a refused FileBatch is reported", "invoice-0004.locked.pdf", "Rejected", None, 1),
    ]
    passed = failed = 0
    try:
        for name, file_name, status, error_code, faults in cases:
            r = process_file(service, file_name)
            ok = r.status == status and r.error_code == error_code and len(r.faults) == faults
            passed, failed = passed + ok, failed + (not ok)
            print("%s %s: %s -> batch %s %s %s, faults %s" % ("PASS" if ok else "FAIL", name, file_name,
                                                              r.batch_id, r.status, r.error_code, r.faults))
    finally:
        for rule in rules:
            admin.call("DELETE", "/rules/" + rule)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
