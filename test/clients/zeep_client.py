"""A real non-Node SOAP client (Python zeep) against the mock: FileBatch, then GetStatus with the
ActivityMetadata header, over both SOAP bindings. Prints one JSON line per call."""
import json
import sys

from zeep import Client
from zeep.transports import Transport

wsdl_url = sys.argv[1]
client = Client(wsdl_url, transport=Transport(timeout=10))
NS = "http://genpact.com/cora/orchestration/ocr/1.0.0/api/"
ActivityMetadata = client.get_element("{%s}ActivityMetadata" % NS)

for binding in ("CoraOcrIntegrationSoap", "CoraOcrIntegrationSoap12"):
    service = client.bind("CoraOcrIntegration", binding)
    file_ref = {"Connection": "OcrShare", "RelativeLocation": "in/2024", "FileName": "invoice-0001.pdf"}
    header = ActivityMetadata(
        WorkflowSpaceId="0f8fad5b-d9cb-469f-a165-70867728950e", WorkflowSpaceName="space",
        WorkflowId="7c9e6679-7425-40de-944b-e07fc1f90ae7", WorkflowName="wf", WorkflowInstanceId=1,
        ActivityId="16fd2706-8baf-433b-82eb-8c7fada847da", ActivityName="ocr", ActivityInstanceId=2,
        CallerId=3, MasterWorkflowInstanceId=0)
    batch_id = service.FileBatch(TimeOut=300, ExternalContext="zeep-" + binding, InputFile=file_ref,
                                 OCRProfile="InvoiceProfile", OutputFile=file_ref, PutModel="Replace",
                                 _soapheaders=[header])
    print(json.dumps({"binding": binding, "op": "FileBatch", "id": str(batch_id)}))
    header.MasterWorkflowInstanceId = batch_id
    out = service.GetStatus(_soapheaders=[header])
    print(json.dumps({"binding": binding, "op": "GetStatus", "status": out.Status,
                      "errorCode": out.ErrorCode, "externalContext": out.ExternalContext}))
    sys.stdout.flush()
