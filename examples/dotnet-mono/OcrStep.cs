// A system under test's OCR step in .NET, sketched on the ASMX proxy that Mono's wsdl.exe (or .NET
// Framework's wsdl.exe, or "Add Web Reference") generates from the service's ?WSDL, in the namespace
// Cora.Ocr (see run.sh). Point it at the real service or at cora-ocr-mock by URL.
//
// Process(fileName): FileBatch, then GetStatus (the id in the ActivityMetadata SOAP header) until a
// terminal status: Completed, Failed (with its ErrorCode), Aborted or NotFound. A SoapException on
// GetStatus is retried a few times (the batch goes on on the other side); one on FileBatch is not
// (nothing was created). Both are reported in the result, never thrown past Process.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Web.Services.Protocols;
using Cora.Ocr;

namespace Sut {
    public class OcrResult {
        public string FileName;
        /// Completed, Failed, Aborted, NotFound, Rejected (FileBatch faulted) or TimedOutWaiting
        public string Status;
        public string ErrorCode;
        public long? BatchId;
        public List<string> Faults = new List<string>();
        public override string ToString() {
            return FileName + ": batch " + (BatchId.HasValue ? BatchId.Value.ToString() : "-") + " " + Status
                + (ErrorCode != null && ErrorCode != "NoError" ? " (" + ErrorCode + ")" : "")
                + (Faults.Count > 0 ? "; faults: " + string.Join(" | ", Faults) : "");
        }
    }

    public class OcrStep {
        static readonly string[] Terminal = { "Completed", "Failed", "Aborted", "NotFound" };
        readonly CoraOcrIntegration proxy;
        public int PollMs = 200, DeadlineMs = 60000, FaultRetries = 3;

        public OcrStep(string serviceUrl) {
            proxy = new CoraOcrIntegration { Url = serviceUrl, Timeout = 10000 };
        }

        static ActivityMetadata Header(long id) {
            return new ActivityMetadata {
                WorkflowSpaceId = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"), WorkflowSpaceName = "Finance",
                WorkflowId = new Guid("7c9e6679-7425-40de-944b-e07fc1f90ae7"), WorkflowName = "Invoices",
                WorkflowInstanceId = 1, ActivityId = Guid.NewGuid(), ActivityName = "OCR", ActivityInstanceId = 1,
                CallerId = 1, MasterWorkflowInstanceId = id };
        }

        static FileReference File(string folder, string name) {
            return new FileReference { Connection = "OcrShare", RelativeLocation = folder, FileName = name };
        }

        public OcrResult Process(string fileName) {
            var result = new OcrResult { FileName = fileName, Status = "Unreachable" };
            try {
                proxy.ActivityMetadataValue = Header(0);
                result.BatchId = proxy.FileBatch(300, "sut-dotnet-" + fileName, File("in", fileName), "InvoiceProfile",
                                                 File("out", fileName + ".xml"), "Replace");
            } catch (SoapException e) {
                result.Faults.Add("FileBatch: " + e.Code.Name + " " + e.Message);
                result.Status = "Rejected";
                return result;
            }
            int faultsInARow = 0;
            var end = DateTime.UtcNow.AddMilliseconds(DeadlineMs);
            while (DateTime.UtcNow < end) {
                BatchOutput o;
                try {
                    proxy.ActivityMetadataValue = Header(result.BatchId.Value);
                    o = proxy.GetStatus();
                } catch (SoapException e) {
                    result.Faults.Add("GetStatus: " + e.Code.Name + " " + e.Message);
                    if (++faultsInARow > FaultRetries) return result;
                    Thread.Sleep(PollMs);
                    continue;
                }
                faultsInARow = 0;
                if (Array.IndexOf(Terminal, o.Status.ToString()) >= 0) {
                    result.Status = o.Status.ToString();
                    result.ErrorCode = o.ErrorCode.ToString();
                    return result;
                }
                Thread.Sleep(PollMs);
            }
            result.Status = "TimedOutWaiting";
            return result;
        }
    }
}
