-- wrk script for bench/run.ts. Configured by environment variables:
--   BENCH_KIND   soap11 | soap11ns | soap12 | httpget | filebatch
--   BENCH_PATH   the .asmx endpoint path
--   BENCH_ID_LO, BENCH_ID_HI   GetStatus ids are drawn uniformly from [LO, HI] (existing batches)
-- done() prints one line "BENCHJSON {...}" with the totals, latency in microseconds.
local kind = os.getenv("BENCH_KIND") or "soap11"
local path = os.getenv("BENCH_PATH") or "/SequenceServices/coraOcrIntegration_v1.0.0.asmx"
local lo = tonumber(os.getenv("BENCH_ID_LO") or "1001")
local hi = tonumber(os.getenv("BENCH_ID_HI") or "2000")
local API = "http://genpact.com/cora/orchestration/ocr/1.0.0/api/"

local function envelope(ns, header, body)
  return '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="' .. ns .. '">' .. header ..
    '<soap:Body>' .. body .. '</soap:Body></soap:Envelope>'
end
local SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
local SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
local GET_STATUS = '<GetStatus xmlns="' .. API .. '" />'
local function meta(id)
  return '<soap:Header><ActivityMetadata xmlns="' .. API .. '"><MasterWorkflowInstanceId>' .. id ..
    '</MasterWorkflowInstanceId></ActivityMetadata></soap:Header>'
end

local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end

if kind == "filebatch" then
  -- Constant request: wrk builds it once.
  wrk.method = "POST"
  wrk.path = path
  wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
  wrk.headers["SOAPAction"] = '"' .. API .. 'FileBatch"'
  wrk.body = envelope(SOAP11, "", '<FileBatch xmlns="' .. API .. '"><TimeOut>300</TimeOut><ExternalContext>bench</ExternalContext>' ..
    '<InputFile><Connection>c</Connection><RelativeLocation>r</RelativeLocation><FileName>f.pdf</FileName></InputFile>' ..
    '<OCRProfile>P</OCRProfile><OutputFile><Connection>c</Connection><RelativeLocation>r</RelativeLocation>' ..
    '<FileName>o.xml</FileName></OutputFile><PutModel>Replace</PutModel></FileBatch>')
elseif kind == "httpget" then
  local headers = {}
  request = function()
    return wrk.format("GET", path .. "/GetStatus?MasterWorkflowInstanceId=" .. math.random(lo, hi), headers, nil)
  end
elseif kind == "soap11ns" then
  -- Spread over 100 namespaces by path prefix: /ns/bench-{id % 100}/SequenceServices/...
  local headers = {
    ["Content-Type"] = "text/xml; charset=utf-8",
    ["SOAPAction"] = '"' .. API .. 'GetStatus"',
  }
  request = function()
    local id = math.random(lo, hi)
    return wrk.format("POST", "/ns/bench-" .. (id % 100) .. path, headers, envelope(SOAP11, meta(id), GET_STATUS))
  end
elseif kind == "soap12" then
  local headers = {
    ["Content-Type"] = 'application/soap+xml; charset=utf-8; action="' .. API .. 'GetStatus"',
  }
  request = function()
    return wrk.format("POST", path, headers, envelope(SOAP12, meta(math.random(lo, hi)), GET_STATUS))
  end
else
  local headers = {
    ["Content-Type"] = "text/xml; charset=utf-8",
    ["SOAPAction"] = '"' .. API .. 'GetStatus"',
  }
  request = function()
    return wrk.format("POST", path, headers, envelope(SOAP11, meta(math.random(lo, hi)), GET_STATUS))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"durationUs":%d,"bytes":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
