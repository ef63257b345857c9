"""A system under test's OCR step, sketched with zeep: what a Python service that calls Cora's
coraOcrIntegration_v1.0.0.asmx does. Point it at the real service or at cora-ocr-mock by URL.

    process_file(service, "invoice-0001.pdf")  ->  OcrResult(status="Completed", error_code="NoError", ...)

It submits a FileBatch, then polls GetStatus (the id travels in the ActivityMetadata SOAP header)
until a terminal status: Completed, Failed (with its ErrorCode), Aborted or NotFound. A SOAP fault
on GetStatus is retried a few times (the batch is still running on the other side); a fault on
FileBatch is not (nothing was created): both are reported, never raised past process_file.

    python3 ocr_client.py --service-url http://127.0.0.1:8080/SequenceServices/coraOcrIntegration_v1.0.0.asmx invoice-0001.pdf
"""
import argparse
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import List, Optional

from zeep import Client
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

API_NS = "http://genpact.com/cora/orchestration/ocr/1.0.0/api/"
TERMINAL = {"Completed", "Failed", "Aborted", "NotFound"}


@dataclass
class OcrResult:
    file_name: str
    status: str  # Completed, Failed, Aborted, NotFound, Rejected (FileBatch faulted) or Unreachable
    error_code: Optional[str] = None
    batch_id: Optional[int] = None
    faults: List[str] = field(default_factory=list)  # the SOAP faults met on the way


class OcrService:
    """The two calls of the OCR service, with the ActivityMetadata header this workflow sends."""

    def __init__(self, service_url: str, workflow_name: str = "Invoices", timeout: float = 10):
        self.client = Client(service_url + "?WSDL", transport=Transport(timeout=timeout))
        # The WSDL's address follows the Host header, but a proxy or port mapping may differ: use ours.
        self.service = self.client.create_service("{%s}CoraOcrIntegrationSoap" % API_NS, service_url)
        self._metadata = self.client.get_element("{%s}ActivityMetadata" % API_NS)
        self.workflow_name = workflow_name

    def _header(self, batch_id: int):
        return self._metadata(
            WorkflowSpaceId=str(uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")), WorkflowSpaceName="Finance",
            WorkflowId=str(uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")), WorkflowName=self.workflow_name,
            WorkflowInstanceId=1, ActivityId=str(uuid.uuid4()), ActivityName="OCR", ActivityInstanceId=1,
            CallerId=1, MasterWorkflowInstanceId=batch_id)

    def file_batch(self, file_name: str, context: str, time_out_s: int = 300) -> int:
        return self.service.FileBatch(
            TimeOut=time_out_s, ExternalContext=context,
            InputFile={"Connection": "OcrShare", "RelativeLocation": "in", "FileName": file_name},
            OCRProfile="InvoiceProfile",
            OutputFile={"Connection": "OcrShare", "RelativeLocation": "out", "FileName": file_name + ".xml"},
            PutModel="Replace", _soapheaders=[self._header(0)])

    def get_status(self, batch_id: int):
        return self.service.GetStatus(_soapheaders=[self._header(batch_id)])


def process_file(service: OcrService, file_name: str, poll_s: float = 0.2, deadline_s: float = 60,
                 fault_retries: int = 3) -> OcrResult:
    result = OcrResult(file_name=file_name, status="Unreachable")
    try:
        result.batch_id = service.file_batch(file_name, context="sut-%s-%s" % (os.getpid(), file_name))
    except Fault as fault:
        # Nothing was created on the other side: report it, do not retry a refused request.
        result.faults.append("FileBatch: %s %s" % (fault.code, fault.message))
        result.status = "Rejected"
        return result
    except TransportError as err:
        result.faults.append("FileBatch: HTTP %s" % err.status_code)
        return result

    faults_in_a_row = 0
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            out = service.get_status(result.batch_id)
        except Fault as fault:
            # GetStatus faulted, but the batch goes on: poll again, a few times.
            result.faults.append("GetStatus: %s %s" % (fault.code, fault.message))
            faults_in_a_row += 1
            if faults_in_a_row > fault_retries:
                return result
            time.sleep(poll_s)
            continue
        faults_in_a_row = 0
        if out.Status in TERMINAL:
            result.status, result.error_code = out.Status, out.ErrorCode
            return result
        time.sleep(poll_s)
    result.status = "TimedOutWaiting"
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--service-url", default=os.environ.get(
        "CORA_OCR_URL", "http://127.0.0.1:8080/SequenceServices/coraOcrIntegration_v1.0.0.asmx"))
    parser.add_argument("files", nargs="+", help="InputFile FileName(s) to OCR")
    args = parser.parse_args(argv)
    service = OcrService(args.service_url)
    worst = 0
    for name in args.files:
        r = process_file(service, name)
        print("%s: batch %s %s%s%s" % (name, r.batch_id, r.status,
                                       " (%s)" % r.error_code if r.error_code and r.error_code != "NoError" else "",
                                       "; faults: " + " | ".join(r.faults) if r.faults else ""))
        worst = max(worst, 0 if r.status == "Completed" else 1)
    return worst


if __name__ == "__main__":
    sys.exit(main())
