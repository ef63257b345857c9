// Drives OcrStep (the system under test) through the cases a QA suite checks, scripting
// cora-ocr-mock's admin API with WebClient (ADMIN_TOKEN from the environment if set):
//   1. a file that completes                   -> Completed
//   2. a file the OCR robot cannot read         -> Failed with ErrorCode RobotProfileNotFound (a rule)
//   3. a batch whose first two GetStatus fault  -> the faults are handled, the batch still Completed
//   4. a FileBatch the service refuses (fault)  -> Rejected, nothing retried
// Usage: mono Demo.exe MOCK_URL   (e.g. http://127.0.0.1:8080). Prints "N passed, M failed"; exit 1 on a failure.
// The rules it adds are deleted at the end, so it can run against a shared mock.
using System;
using System.Collections.Generic;
using System.Net;
using System.Text.RegularExpressions;

namespace Sut {
    public static class Demo {
        const string ServicePath = "/SequenceServices/coraOcrIntegration_v1.0.0.asmx";

        static string Admin(string mock, string method, string path, string json) {
            using (var web = new WebClient()) {
                string token = Environment.GetEnvironmentVariable("ADMIN_TOKEN");
                if (!string.IsNullOrEmpty(token)) web.Headers[HttpRequestHeader.Authorization] = "Bearer " + token;
                if (json == null) return method == "GET" ? web.DownloadString(mock + "/__admin" + path) : web.UploadString(mock + "/__admin" + path, method, "");
                web.Headers[HttpRequestHeader.ContentType] = "application/json";
                return web.UploadString(mock + "/__admin" + path, method, json);
            }
        }

        static string AddRule(string mock, string json) {
            return Regex.Match(Admin(mock, "POST", "/rules", json), "\"id\":\"([^\"]+)\"").Groups[1].Value;
        }

        public static int Main(string[] args) {
            string mock = (args.Length > 0 ? args[0] : "http://127.0.0.1:8080").TrimEnd('/');
            Console.WriteLine("mock: " + Admin(mock, "GET", "/health", null).Substring(0, 15) + "... at " + mock);
            var rules = new List<string> {
                AddRule(mock, "{\"match\":{\"operation\":\"FileBatch\",\"fileName\":\"*.unreadable.pdf\"}," +
                              "\"outcome\":{\"status\":\"Failed\",\"errorCode\":\"RobotProfileNotFound\",\"at\":\"ProcessingInput\"}}"),
                // For GetStatus the stored batch's fields are matched: this file's first two polls fault.
                AddRule(mock, "{\"match\":{\"operation\":\"GetStatus\",\"externalContext\":\"-flaky\\\\.pdf$\"},\"times\":2," +
                              "\"fault\":{\"type\":\"soapFault\",\"message\":\"database is busy\"}}"),
                AddRule(mock, "{\"match\":{\"operation\":\"FileBatch\",\"fileName\":\"*.locked.pdf\"}," +
                              "\"fault\":{\"type\":\"soapFault\",\"code\":\"Client\",\"message\":\"Input file is locked\"}}"),
            };
            var step = new OcrStep(mock + ServicePath);
            var cases = new[] {
                new { Name = "completes", File = "invoice-0001.pdf", Status = "Completed", Error = "NoError", Faults = 0 },
                new { Name = "fails with an ErrorCode", File = "invoice-0002.unreadable.pdf", Status = "Failed", Error = "RobotProfileNotFound", Faults = 0 },
                new { Name = "GetStatus faults are handled", File = "invoice-0003-flaky.pdf", Status = "Completed", Error = "NoError", Faults = 2 },
                new { Name = "a refused FileBatch is reported", File = "invoice-0004.locked.pdf", Status = "Rejected", Error = (string)null, Faults = 1 },
            };
            int passed = 0, failed = 0;
            try {
                foreach (var c in cases) {
                    OcrResult r = step.Process(c.File);
                    bool ok = r.Status == c.Status && r.ErrorCode == c.Error && r.Faults.Count == c.Faults;
                    if (ok) passed++; else failed++;
                    Console.WriteLine((ok ? "PASS " : "FAIL ") + c.Name + ": " + r);
                }
            } finally {
                foreach (string id in rules) Admin(mock, "DELETE", "/rules/" + id, null);
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
