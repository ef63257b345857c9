// A real .NET (Mono) ASMX client for cora-ocr-mock, compiled together with proxies that Mono's wsdl.exe
// generated from the running server's ?wsdl (see ../dotnet-client.sh):
//   namespace Soap11 <- wsdl -protocol:SOAP     namespace Soap12 <- wsdl -protocol:SOAP12
//   namespace HGet   <- wsdl -protocol:HttpGet  namespace HPost  <- wsdl -protocol:HttpPost
// Usage: mono Client.exe URL BIG_URL BIG_FIRST_ID
//   URL:     a fresh server;  BIG_URL: a fresh server started with FIRST_BATCH_ID=BIG_FIRST_ID (> 2^53).
// Prints PASS/FAIL lines and "N passed, M failed"; exits 1 on any failure.
using System;
using System.Web.Services.Protocols;
using System.Xml.Serialization;

namespace Cora {
    public static class Api {
        public const string NS = "http://genpact.com/cora/orchestration/ocr/1.0.0/api/";
        public static readonly Guid SpaceId = new Guid("0f8fad5b-d9cb-469f-a165-70867728950e");
        public static readonly Guid WorkflowId = new Guid("7c9e6679-7425-40de-944b-e07fc1f90ae7");
        public static readonly Guid ActivityId = new Guid("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    }

    /// Result of GetStatus, protocol-neutral (each proxy namespace has its own BatchOutput type).
    public class Status {
        public string Value, ErrorCode, ExternalContext;
        public override string ToString() {
            return "Status=" + Value + " ErrorCode=" + ErrorCode + " ExternalContext=" + (ExternalContext == null ? "(null)" : "'" + ExternalContext + "'");
        }
    }

    /// What the scenario needs from a generated SOAP proxy; implemented below by partial classes
    /// that extend the generated Soap11.CoraOcrIntegration and Soap12.CoraOcrIntegration.
    public interface IOcr {
        string Url { get; set; }
        /// FileBatch with all six parameters and the ActivityMetadata header set.
        long Submit(int timeOut, string externalContext, string[] input, string ocrProfile, string[] output, string putModel, long headerId);
        /// GetStatus with ActivityMetadataValue.MasterWorkflowInstanceId = id, or with no header at all.
        Status Poll(long? id);
        /// GetStatus whose ActivityMetadata header carries MasterWorkflowInstanceId "abc" (not a long).
        void PollWithUnreadableHeader();
        /// An operation the service does not have: unknown action and unknown body element.
        void CallUnknownOperation();
    }

    /// <ActivityMetadata xmlns=api><MasterWorkflowInstanceId>abc</...>: a string where the header needs a long.
    [XmlRoot("ActivityMetadata", Namespace = Api.NS)]
    [XmlType(Namespace = "urn:cora-ocr-mock:test")]
    public class UnreadableActivityMetadata : SoapHeader {
        [XmlElement(Namespace = Api.NS)]
        public string MasterWorkflowInstanceId = "abc";
    }

    /// A hand-written ASMX proxy (a separate class: XmlSerializer will not map two types to one header
    /// element within one proxy) whose GetStatus is the real one except for that header.
    [System.Web.Services.WebServiceBinding(Name = "CoraOcrIntegrationSoap", Namespace = Api.NS)]
    public class UnreadableHeaderClient : SoapHttpClientProtocol {
        public UnreadableActivityMetadata ActivityMetadataValue = new UnreadableActivityMetadata();

        [SoapHeader("ActivityMetadataValue")]
        [SoapDocumentMethod(Api.NS + "GetStatus", RequestNamespace = Api.NS, ResponseNamespace = Api.NS,
            Use = System.Web.Services.Description.SoapBindingUse.Literal, ParameterStyle = SoapParameterStyle.Wrapped)]
        [return: XmlElement("Output")]
        public Soap11.BatchOutput GetStatus() { return (Soap11.BatchOutput)Invoke("GetStatus", new object[0])[0]; }
    }

    public static class Program {
        static int passed, failed;

        static void Check(string name, bool ok, string detail) {
            if (ok) { passed++; Console.WriteLine("PASS " + name); }
            else { failed++; Console.WriteLine("FAIL " + name + (detail == null ? "" : " -- " + detail)); }
        }

        /// Runs one check; an exception is a failure (with its type and message), never a crash.
        static void Try(string name, Func<string> body) {
            string problem;
            try { problem = body(); }
            catch (Exception e) { problem = "threw " + e.GetType().FullName + ": " + e.Message; }
            Check(name, problem == null, problem);
        }

        static string Expect(bool ok, string problem) { return ok ? null : problem; }

        static string[] File(string connection, string location, string name) { return new[] { connection, location, name }; }

        static void Scenario(string label, IOcr ocr, string url, string clientCode) {
            ocr.Url = url;
            string ctx = "ctx " + label + " <&> \"quoted\" 'x' \u00fc\u20ac";
            long id = 0;
            Try(label + ": FileBatch(all six parameters, ActivityMetadata header) returns an id", () => {
                id = ocr.Submit(300, ctx, File("OcrShare", "in/2024", "invoice-0001.pdf"), "InvoiceProfile",
                                File("OcrShare", "out/2024", "invoice-0001.xml"), "Replace", 424242);
                return Expect(id > 0, "id " + id);
            });
            Try(label + ": GetStatus(header id) is Queued/NoError and echoes ExternalContext", () => {
                Status s = ocr.Poll(id);
                return Expect(s.Value == "Queued" && s.ErrorCode == "NoError" && s.ExternalContext == ctx, s + " (expected Queued/NoError/'" + ctx + "')");
            });
            Try(label + ": FileBatch without ExternalContext -> GetStatus ExternalContext is null", () => {
                long id2 = ocr.Submit(60, null, File("c", "r", "in.pdf"), "InvoiceProfile", File("c", "r", "out.xml"), "Replace", 0);
                Status s = ocr.Poll(id2);
                return Expect(id2 != id && s.Value == "Queued" && s.ExternalContext == null, "id " + id2 + ", " + s);
            });
            Try(label + ": GetStatus(unknown id) is NotFound", () => {
                Status s = ocr.Poll(987654321012L);
                return Expect(s.Value == "NotFound" && s.ExternalContext == null, s.ToString());
            });
            Try(label + ": GetStatus(long.MaxValue) is NotFound", () => {
                Status s = ocr.Poll(long.MaxValue);
                return Expect(s.Value == "NotFound", s.ToString());
            });
            Try(label + ": GetStatus without the ActivityMetadata header is NotFound, not a fault", () => {
                Status s = ocr.Poll(null);
                return Expect(s.Value == "NotFound", s.ToString());
            });
            Try(label + ": unreadable header (id 'abc') -> SoapException " + clientCode + " 'Server was unable to read request'", () => {
                try { ocr.PollWithUnreadableHeader(); return "no exception"; }
                catch (SoapException e) {
                    return Expect(e.Code.Name == clientCode && SoapException.IsClientFaultCode(e.Code)
                                  && e.Message.StartsWith("Server was unable to read request"),
                                  "Code=" + e.Code + " Message=" + e.Message);
                }
            });
            Try(label + ": unknown operation (action + body element) -> SoapException " + clientCode, () => {
                try { ocr.CallUnknownOperation(); return "no exception"; }
                catch (SoapException e) {
                    bool message = clientCode != "Client" || e.Message == "Server did not recognize the value of HTTP Header SOAPAction: " + Api.NS + "NoSuchOperation.";
                    return Expect(e.Code.Name == clientCode && SoapException.IsClientFaultCode(e.Code) && message,
                                  "Code=" + e.Code + " Message=" + e.Message);
                }
            });
        }

        public static int Main(string[] args) {
            if (args.Length != 3) { Console.Error.WriteLine("usage: Client.exe URL BIG_URL BIG_FIRST_ID"); return 2; }
            string url = args[0], bigUrl = args[1];
            long bigFirst = long.Parse(args[2]);

            Scenario("SOAP 1.1", new Soap11.CoraOcrIntegration(), url, "Client");
            Scenario("SOAP 1.2", new Soap12.CoraOcrIntegration(), url, "Sender");

            Try("HttpGet: GetStatus (cannot carry the header) is NotFound", () => {
                var o = new HGet.CoraOcrIntegration { Url = url }.GetStatus();
                return Expect(o != null && o.Status == HGet.BatchStatus.NotFound, o == null ? "null" : o.Status.ToString());
            });
            Try("HttpPost: GetStatus (cannot carry the header) is NotFound", () => {
                var o = new HPost.CoraOcrIntegration { Url = url }.GetStatus();
                return Expect(o != null && o.Status == HPost.BatchStatus.NotFound, o == null ? "null" : o.Status.ToString());
            });

            // 64-bit ids: the first id of this server is above 2^53, where a double cannot hold it exactly.
            IOcr big11 = new Soap11.CoraOcrIntegration { Url = bigUrl };
            IOcr big12 = new Soap12.CoraOcrIntegration { Url = bigUrl };
            long first = 0, second = 0;
            Try("64-bit: SOAP 1.1 FileBatch returns exactly " + bigFirst, () => {
                first = big11.Submit(300, "big", File("c", "r", "a.pdf"), "InvoiceProfile", File("c", "r", "a.xml"), "Replace", 0);
                return Expect(first == bigFirst, "got " + first);
            });
            Try("64-bit: GetStatus(" + bigFirst + ") over SOAP 1.1 and 1.2 finds it", () => {
                Status a = big11.Poll(bigFirst), b = big12.Poll(bigFirst);
                return Expect(a.Value == "Queued" && a.ExternalContext == "big" && b.Value == "Queued" && b.ExternalContext == "big", a + " / " + b);
            });
            Try("64-bit: GetStatus(" + (bigFirst - 1) + ") (its double-rounded neighbour) is NotFound", () => {
                Status s = big11.Poll(bigFirst - 1);
                return Expect(s.Value == "NotFound", s.ToString());
            });
            Try("64-bit: SOAP 1.2 FileBatch returns the next id exactly and GetStatus finds it", () => {
                second = big12.Submit(300, "big2", File("c", "r", "b.pdf"), "InvoiceProfile", File("c", "r", "b.xml"), "Replace", first);
                Status s = big11.Poll(second);
                return Expect(second == bigFirst + 1 && s.Value == "Queued" && s.ExternalContext == "big2", "id " + second + ", " + s);
            });

            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}

// ---- the two SOAP proxies, extended: adapters plus two deliberately wrong operations ----------------
// The extra operations are ordinary ASMX client methods (Invoke + attributes), so the faults come back
// through the real SoapHttpClientProtocol machinery as SoapException.

namespace Soap11 {
    /// Serialised as <ActivityMetadata xmlns=api><MasterWorkflowInstanceId>abc</...>: a string where a long belongs.
    public partial class CoraOcrIntegration : Cora.IOcr {
        static ActivityMetadata Header(long id) {
            return new ActivityMetadata {
                WorkflowSpaceId = Cora.Api.SpaceId, WorkflowSpaceName = "Finance <AP>", WorkflowId = Cora.Api.WorkflowId,
                WorkflowName = "Invoices", WorkflowInstanceId = 7001, ActivityId = Cora.Api.ActivityId, ActivityName = "OCR",
                ActivityInstanceId = 7002, CallerId = 42, MasterWorkflowInstanceId = id };
        }
        static FileReference Ref(string[] f) { return new FileReference { Connection = f[0], RelativeLocation = f[1], FileName = f[2] }; }

        public long Submit(int timeOut, string ctx, string[] input, string profile, string[] output, string putModel, long headerId) {
            ActivityMetadataValue = Header(headerId);
            return FileBatch(timeOut, ctx, Ref(input), profile, Ref(output), putModel);
        }
        public Cora.Status Poll(long? id) {
            ActivityMetadataValue = id.HasValue ? Header(id.Value) : null;
            BatchOutput o = GetStatus();
            return new Cora.Status { Value = o.Status.ToString(), ErrorCode = o.ErrorCode.ToString(), ExternalContext = o.ExternalContext };
        }
        public void PollWithUnreadableHeader() { new Cora.UnreadableHeaderClient { Url = Url, SoapVersion = SoapVersion }.GetStatus(); }
        public void CallUnknownOperation() { NoSuchOperation(); }

        [SoapDocumentMethod(Cora.Api.NS + "NoSuchOperation", RequestNamespace = Cora.Api.NS, ResponseNamespace = Cora.Api.NS,
            RequestElementName = "NoSuchOperation", ResponseElementName = "NoSuchOperationResponse",
            Use = System.Web.Services.Description.SoapBindingUse.Literal, ParameterStyle = SoapParameterStyle.Wrapped)]
        [return: XmlElement("Output")]
        public BatchOutput NoSuchOperation() { return (BatchOutput)Invoke("NoSuchOperation", new object[0])[0]; }
    }
}

namespace Soap12 {
    public partial class CoraOcrIntegration : Cora.IOcr {
        static ActivityMetadata Header(long id) {
            return new ActivityMetadata {
                WorkflowSpaceId = Cora.Api.SpaceId, WorkflowSpaceName = "Finance <AP>", WorkflowId = Cora.Api.WorkflowId,
                WorkflowName = "Invoices", WorkflowInstanceId = 7001, ActivityId = Cora.Api.ActivityId, ActivityName = "OCR",
                ActivityInstanceId = 7002, CallerId = 42, MasterWorkflowInstanceId = id };
        }
        static FileReference Ref(string[] f) { return new FileReference { Connection = f[0], RelativeLocation = f[1], FileName = f[2] }; }

        public long Submit(int timeOut, string ctx, string[] input, string profile, string[] output, string putModel, long headerId) {
            ActivityMetadataValue = Header(headerId);
            return FileBatch(timeOut, ctx, Ref(input), profile, Ref(output), putModel);
        }
        public Cora.Status Poll(long? id) {
            ActivityMetadataValue = id.HasValue ? Header(id.Value) : null;
            BatchOutput o = GetStatus();
            return new Cora.Status { Value = o.Status.ToString(), ErrorCode = o.ErrorCode.ToString(), ExternalContext = o.ExternalContext };
        }
        public void PollWithUnreadableHeader() { new Cora.UnreadableHeaderClient { Url = Url, SoapVersion = SoapVersion }.GetStatus(); }
        public void CallUnknownOperation() { NoSuchOperation(); }

        // SOAP 1.2 carries the action in the Content-Type's action= parameter. (Real ASMX falls back to the body
        // element when a 1.2 action is unknown, so the body element must be unknown too to get a fault.)
        [SoapDocumentMethod(Cora.Api.NS + "NoSuchOperation", RequestNamespace = Cora.Api.NS, ResponseNamespace = Cora.Api.NS,
            RequestElementName = "NoSuchOperation", ResponseElementName = "NoSuchOperationResponse",
            Use = System.Web.Services.Description.SoapBindingUse.Literal, ParameterStyle = SoapParameterStyle.Wrapped)]
        [return: XmlElement("Output")]
        public BatchOutput NoSuchOperation() { return (BatchOutput)Invoke("NoSuchOperation", new object[0])[0]; }
    }
}
