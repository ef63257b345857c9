#!/usr/bin/env bash
# Checks the WSDL with real SOAP toolkits: the repo's file AND the copy the running server serves at ?wsdl.
#   zeep (Python), Mono's wsdl.exe + mcs (.NET-style proxies), gSOAP wsdl2h + soapcpp2, xmllint (schemas).
# Usage (repo root, after `npm ci`): test/toolkits/check-wsdl.sh   -- installs missing Debian packages as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source test/toolkits/lib.sh

REPO_WSDL=wsdl/coraOcrIntegration_v1.0.0.wsdl
NS=http://genpact.com/cora/orchestration/ocr/1.0.0/api/

ensure_packages curl=curl xmllint=libxml2-utils py:zeep=python3-zeep py:lxml=python3-lxml \
  wsdl=mono-devel mcs=mono-devel wsdl2h=gsoap soapcpp2=gsoap

# --- the checks; each takes: WSDL-file  expected-address  output-dir ------------------------------

zeep_check() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, zeep
from lxml import etree
from zeep.wsdl.bindings.soap import Soap11Binding, Soap12Binding
wsdl, address = sys.argv[1], sys.argv[2]
API = '{http://genpact.com/cora/orchestration/ocr/1.0.0/api/}'
c = zeep.Client(wsdl)
ports = c.wsdl.services['CoraOcrIntegration'].ports
assert sorted(ports) == ['CoraOcrIntegrationHttpGet', 'CoraOcrIntegrationHttpPost',
                         'CoraOcrIntegrationSoap', 'CoraOcrIntegrationSoap12'], sorted(ports)
for name, kind in (('CoraOcrIntegrationSoap', Soap11Binding), ('CoraOcrIntegrationSoap12', Soap12Binding)):
    b = ports[name].binding
    assert type(b) is kind, (name, type(b))
    assert sorted(b._operations) == ['FileBatch', 'GetStatus'], b._operations
    for op in b._operations.values():
        assert op.soapaction == API[1:-1] + op.name, op.soapaction
        hdr = op.input.header.signature()
        assert 'ActivityMetadata: ' + API + 'ActivityMetadata' in hdr, (name, op.name, hdr)
for name, p in ports.items():
    assert p.binding_options['address'] == address, (name, p.binding_options)
assert sorted(ports['CoraOcrIntegrationHttpGet'].binding._operations) == ['GetStatus']
# The header's shape, in order, with the value types and occurrence ASMX gives them.
meta = c.get_element(API + 'ActivityMetadata').type
got = [(n, e.type.qname.localname, e.min_occurs) for n, e in meta.elements]
want = [('WorkflowSpaceId', 'guid', 1), ('WorkflowSpaceName', 'string', 0), ('WorkflowId', 'guid', 1),
        ('WorkflowName', 'string', 0), ('WorkflowInstanceId', 'long', 1), ('ActivityId', 'guid', 1),
        ('ActivityName', 'string', 0), ('ActivityInstanceId', 'long', 1), ('CallerId', 'int', 1),
        ('MasterWorkflowInstanceId', 'long', 1)]
assert got == want, got
got = [(n, e.type.qname.localname) for n, e in c.get_element(API + 'FileBatchResponse').type.elements]
assert got == [('MasterWorkflowInstanceId', 'long')], got
# Serialise requests exactly as a zeep client would; a long must survive at full 64-bit width.
hdr = dict(WorkflowSpaceId='00000000-0000-0000-0000-000000000001', WorkflowId='00000000-0000-0000-0000-000000000002',
           WorkflowInstanceId=1, ActivityId='00000000-0000-0000-0000-000000000003', ActivityInstanceId=2, CallerId=3,
           MasterWorkflowInstanceId=9223372036854775807)
fr = dict(Connection='OcrShare', RelativeLocation='in/2024', FileName='invoice-0001.pdf')
for name in ('CoraOcrIntegrationSoap', 'CoraOcrIntegrationSoap12'):
    svc = c.bind('CoraOcrIntegration', name)
    env = etree.tostring(c.create_message(svc, 'GetStatus', _soapheaders={'ActivityMetadata': hdr})).decode()
    assert '>9223372036854775807</ns0:MasterWorkflowInstanceId>' in env, env
    env = etree.tostring(c.create_message(svc, 'FileBatch', TimeOut=300, ExternalContext='ctx', InputFile=fr,
                         OCRProfile='InvoiceProfile', OutputFile=fr, PutModel='Replace',
                         _soapheaders={'ActivityMetadata': hdr})).decode()
    assert '<ns0:TimeOut>300</ns0:TimeOut>' in env and '<ns0:PutModel>Replace</ns0:PutModel>' in env, env
print('zeep', zeep.__version__, 'ok')
PY
}

mono_check() { # WSDL ADDRESS DIR PROTOCOL
  local w=$1 address=$2 d=$3/mono p=$4
  mkdir -p "$d"
  wsdl -nologo -protocol:"$p" -n:Cora"$p" -out:"$d/$p.cs" "$w" >"$d/$p.log" 2>&1 || { cat "$d/$p.log"; return 1; }
  if grep -qiE 'warning|error' "$d/$p.log"; then cat "$d/$p.log"; return 1; fi
  mcs -nologo -warnaserror -target:library -r:System.Web.Services -r:System.EnterpriseServices \
    -out:"$d/$p.dll" "$d/$p.cs"
  grep -q "this.Url = \"$address\";" "$d/$p.cs" || { echo "proxy Url is not $address"; grep -n 'this.Url' "$d/$p.cs"; return 1; }
  case $p in
    SOAP|SOAP12)
      grep -q 'public long FileBatch(int TimeOut, string ExternalContext, FileReference InputFile, string OCRProfile, FileReference OutputFile, string PutModel)' "$d/$p.cs"
      grep -q 'public BatchOutput GetStatus()' "$d/$p.cs"
      test "$(grep -c 'SoapHeaderAttribute("ActivityMetadataValue")' "$d/$p.cs")" -eq 2
      grep -q 'public partial class ActivityMetadata : System.Web.Services.Protocols.SoapHeader' "$d/$p.cs"
      grep -q 'private long masterWorkflowInstanceIdField;' "$d/$p.cs"
      grep -q 'private System.Guid workflowSpaceIdField;' "$d/$p.cs"
      grep -q 'public enum BatchStatus' "$d/$p.cs"
      [[ $p == SOAP ]] || grep -q 'SoapProtocolVersion.Soap12' "$d/$p.cs" ;;
    HttpGet|HttpPost)
      grep -q 'public BatchOutput GetStatus()' "$d/$p.cs"
      ! grep -q 'FileBatch(' "$d/$p.cs" ;;
  esac
}

gsoap_check() {
  local w=$1 address=$2 d=$3/gsoap
  mkdir -p "$d"
  wsdl2h -N cora -R -o "$d/cora.h" "$w" >"$d/wsdl2h.log" 2>&1 || { cat "$d/wsdl2h.log"; return 1; }
  if grep -qiE 'warning|error' "$d/wsdl2h.log"; then cat "$d/wsdl2h.log"; return 1; fi
  # The header part must land in SOAP_ENV__Header, the id as a 64-bit integer.
  sed -n '/^mutable struct SOAP_ENV__Header/,/^};/p' "$d/cora.h" | grep -q 'cora__ActivityMetadata\* *cora__ActivityMetadata_'
  sed -n '/^class cora__ActivityMetadata$/,/^};/p' "$d/cora.h" | grep -Eq '^ *LONG64 +MasterWorkflowInstanceId '
  (cd "$d" && soapcpp2 -C -I/usr/share/gsoap/import cora.h >soapcpp2.log 2>&1) || { cat "$d/soapcpp2.log"; return 1; }
  grep -q 'Compilation successful' "$d/soapcpp2.log" || { cat "$d/soapcpp2.log"; return 1; }
  if grep -qi warning "$d/soapcpp2.log"; then cat "$d/soapcpp2.log"; return 1; fi
  # cora2 = the SOAP 1.1 port, cora3 = the SOAP 1.2 port
  for f in cora2__FileBatch cora2__GetStatus cora3__FileBatch cora3__GetStatus; do
    grep -q "soap_call___$f(" "$d/soapClient.cpp" || { echo "no soap_call___$f"; return 1; }
  done
  grep -q "soap_endpoint = \"$address\";" "$d/soapClient.cpp" || { echo "endpoint is not $address"; return 1; }
  grep -q "soap_action = \"${NS}GetStatus\";" "$d/soapClient.cpp"
}

# Split out the two embedded schemas (the first imports the second), compile them with xmllint,
# validate documents a client or server would exchange, and make sure broken ones are rejected.
schema_check() {
  local w=$1 d=$3/xsd
  mkdir -p "$d"
  /usr/bin/python3 - "$w" "$d" <<'PY'
import sys
from lxml import etree
S = '{http://www.w3.org/2001/XMLSchema}'
schemas = etree.parse(sys.argv[1]).findall('{http://schemas.xmlsoap.org/wsdl/}types/' + S + 'schema')
assert [s.get('targetNamespace') for s in schemas] == ['http://genpact.com/cora/orchestration/ocr/1.0.0/api/',
                                                       'http://microsoft.com/wsdl/types/'], schemas
for i, s in enumerate(schemas, 1):
    s = etree.fromstring(etree.tostring(s))          # carries the in-scope namespace declarations along
    for imp in s.findall(S + 'import'):
        imp.set('schemaLocation', 'types2.xsd')
    etree.ElementTree(s).write('%s/types%d.xsd' % (sys.argv[2], i), xml_declaration=True, encoding='utf-8')
PY
  local g=0f8fad5b-d9cb-469f-a165-70867728950e x="xmlns=\"$NS\""
  local fr='<Connection>OcrShare</Connection><RelativeLocation>in/2024</RelativeLocation><FileName>invoice-0001.pdf</FileName>'
  local meta="<WorkflowSpaceId>$g</WorkflowSpaceId><WorkflowSpaceName>s</WorkflowSpaceName><WorkflowId>$g</WorkflowId><WorkflowInstanceId>1</WorkflowInstanceId><ActivityId>$g</ActivityId><ActivityInstanceId>2</ActivityInstanceId><CallerId>3</CallerId>"
  # valid
  echo "<FileBatch $x><TimeOut>300</TimeOut><ExternalContext>ctx</ExternalContext><InputFile>$fr</InputFile><OCRProfile>InvoiceProfile</OCRProfile><OutputFile>$fr</OutputFile><PutModel>Replace</PutModel></FileBatch>" >"$d/ok1.xml"
  echo "<FileBatchResponse $x><MasterWorkflowInstanceId>9223372036854775807</MasterWorkflowInstanceId></FileBatchResponse>" >"$d/ok2.xml"
  echo "<ActivityMetadata $x>$meta<MasterWorkflowInstanceId>9223372036854775807</MasterWorkflowInstanceId></ActivityMetadata>" >"$d/ok3.xml"
  echo "<GetStatus $x/>" >"$d/ok4.xml"
  echo "<GetStatusResponse $x><Output><Status>Queued</Status><ErrorCode>NoError</ErrorCode><ExternalContext>ctx</ExternalContext></Output></GetStatusResponse>" >"$d/ok5.xml"
  printf '<?xml version="1.0" encoding="utf-8"?>\n<BatchOutput xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" %s>\n  <Status>NotFound</Status>\n  <ErrorCode>NoError</ErrorCode>\n</BatchOutput>\n' "$x" >"$d/ok6.xml"
  # invalid: each must be rejected
  echo "<FileBatch $x><ExternalContext>ctx</ExternalContext></FileBatch>" >"$d/bad1.xml"                       # TimeOut required
  echo "<ActivityMetadata $x>${meta/$g/not-a-guid}<MasterWorkflowInstanceId>1</MasterWorkflowInstanceId></ActivityMetadata>" >"$d/bad2.xml"
  echo "<ActivityMetadata $x>$meta<MasterWorkflowInstanceId>9223372036854775808</MasterWorkflowInstanceId></ActivityMetadata>" >"$d/bad3.xml" # > long
  echo "<GetStatusResponse $x><Output><Status>Done</Status><ErrorCode>NoError</ErrorCode></Output></GetStatusResponse>" >"$d/bad4.xml"
  echo "<GetStatus $x><MasterWorkflowInstanceId>1</MasterWorkflowInstanceId></GetStatus>" >"$d/bad5.xml"       # empty complexType
  echo "<FileBatch><TimeOut>1</TimeOut></FileBatch>" >"$d/bad6.xml"                                             # unqualified
  (
    cd "$d"
    xmllint --noout --schema types1.xsd ok1.xml ok2.xml ok3.xml ok4.xml ok5.xml ok6.xml
    local f rc
    for f in bad1 bad2 bad3 bad4 bad5 bad6; do
      rc=0; xmllint --noout --schema types1.xsd "$f.xml" >"$f.log" 2>&1 || rc=$?
      # 3 = validation failed; anything else (0 = accepted, 4/5 = schema did not compile) is wrong
      [[ $rc -eq 3 ]] || { echo "$f.xml: xmllint exit $rc, expected 3 (rejected)"; cat "$f.log"; exit 1; }
    done
    # The guid schema alone must compile too (it declares no element, so validating anything fails with 3).
    echo '<x/>' >any.xml
    rc=0; xmllint --noout --schema types2.xsd any.xml >t2.log 2>&1 || rc=$?
    [[ $rc -eq 3 ]] || { echo "types2.xsd did not compile (xmllint exit $rc)"; cat t2.log; exit 1; }
  )
}

check_all() { # LABEL WSDL ADDRESS
  local label=$1 w=$2 address=$3 d="$WORK/$1" p
  mkdir -p "$d"
  check "$label: well-formed XML" xmllint --noout "$w"
  check "$label: zeep sees SOAP 1.1 + 1.2 bindings with the ActivityMetadata header" zeep_check "$w" "$address" "$d"
  for p in SOAP SOAP12 HttpGet HttpPost; do
    check "$label: mono wsdl -protocol:$p, no warnings, mcs compiles" mono_check "$w" "$address" "$d" "$p"
  done
  check "$label: gSOAP wsdl2h -N cora -R (no warnings) + soapcpp2 -C" gsoap_check "$w" "$address" "$d"
  check "$label: embedded schemas compile (xmllint), instances validate, broken ones rejected" schema_check "$w" "$address" "$d"
}

# --- (a) the repo's file ------------------------------------------------------------------------------
check_all repo "$REPO_WSDL" "http://localhost$ASMX_PATH"

# --- (b) the served copy --------------------------------------------------------------------------------
start_server wsdl
SERVED="$WORK/served.wsdl"
curl -fsS -D "$WORK/served.headers" -o "$SERVED" "$SERVER_URL?wsdl"
served_is_repo_copy() {
  grep -qi '^content-type: text/xml; charset=utf-8' "$WORK/served.headers"
  test "$(grep -c "location=\"$SERVER_URL\"" "$SERVED")" -eq 4
  # apart from the four addresses, the served WSDL is the repo file
  diff <(sed "s#location=\"$SERVER_URL\"#location=\"http://localhost$ASMX_PATH\"#" "$SERVED") "$REPO_WSDL"
}
check "served: text/xml, 4 addresses rewritten to $SERVER_URL, otherwise identical to $REPO_WSDL" served_is_repo_copy
check_all served "$SERVED" "$SERVER_URL"

summary
