// .NET exceptions as ASMX reports them. With customErrors on (what a remote caller sees, the
// default) an error is its chain of messages joined by " ---> "; with customErrors off (a local
// caller of a development server) it is the exception as Exception.ToString() writes it: type,
// message, inner exceptions and the stack. The stack frames the mock writes are representative
// (the genuine frames depend on the server's build); their form is .NET's.

/** What ASMX's output depends on: `On` (remote callers, the default) or `Off` (a developer's machine). */
export type CustomErrors = 'On' | 'Off';

export interface DotNetException {
  /** The full type name, e.g. System.InvalidOperationException. */
  readonly type: string;
  readonly message: string;
  /** Frames without the leading "at "; null for an exception that was created but never thrown. */
  readonly stack: readonly string[] | null;
  readonly inner?: DotNetException;
}

export const dotnetException = (
  type: string,
  message: string,
  stack: readonly string[] | null,
  inner?: DotNetException,
): DotNetException => (inner ? { type, message, stack, inner } : { type, message, stack });

/** ArgumentException.Message in the .NET Framework: the message, then the parameter's name on its own line. */
export const argumentMessage = (message: string, paramName: string): string => `${message}\r\nParameter name: ${paramName}`;

/** HttpUtility.HtmlEncode (.NET 4): the five markup characters, and U+00A0-U+00FF as numeric references. */
export function htmlEncode(s: string): string {
  return s.replace(/[&<>"'\u00a0-\u00ff]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&#39;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

const same = (s: string): string => s;

/** The remote form: every message of the chain, outermost first, joined by " ---> ". */
export function messageChain(e: DotNetException, encode: (s: string) => string = same): string {
  let out = encode(e.message);
  for (let i = e.inner; i; i = i.inner) out += ` ---> ${encode(i.message)}`;
  return out;
}

/** Exception.ToString() of the .NET Framework (messages passed through `encode`). */
export function exceptionString(e: DotNetException, encode: (s: string) => string = same): string {
  let out = e.message ? `${e.type}: ${encode(e.message)}` : e.type;
  if (e.inner) out += ` ---> ${exceptionString(e.inner, encode)}\r\n   --- End of inner exception stack trace ---`;
  if (e.stack && e.stack.length > 0) out += '\r\n' + e.stack.map((f) => `   at ${f}`).join('\r\n');
  return out;
}

/**
 * ServerProtocol.GenerateFaultString: the text of a fault (`html` false) or of a text/plain error
 * (`html` true: every message HTML-encoded, as ASMX does even in text/plain).
 */
export function errorText(e: DotNetException, customErrors: CustomErrors, html: boolean): string {
  const encode = html ? htmlEncode : same;
  return customErrors === 'On' ? messageChain(e, encode) : exceptionString(e, encode);
}

// Type names and representative frames of the places ASMX fails.
export const T = {
  soap: 'System.Web.Services.Protocols.SoapException',
  soapHeader: 'System.Web.Services.Protocols.SoapHeaderException',
  invalidOperation: 'System.InvalidOperationException',
  argument: 'System.ArgumentException',
  format: 'System.FormatException',
  overflow: 'System.OverflowException',
  xml: 'System.Xml.XmlException',
  http: 'System.Web.HttpException',
  exception: 'System.Exception',
} as const;

const P = 'System.Web.Services.Protocols';
const FACTORY_CREATE = [
  `${P}.ServerProtocol.SetContext(Type type, HttpContext context, HttpRequest request, HttpResponse response)`,
  `${P}.ServerProtocolFactory.Create(Type type, HttpContext context, HttpRequest request, HttpResponse response, Boolean& abortProcessing)`,
];
const ROUTE = [`${P}.SoapServerProtocol.RouteRequest(SoapServerMessage message)`, `${P}.SoapServerProtocol.Initialize()`, ...FACTORY_CREATE];
const INVOKE = [`${P}.WebServiceHandler.Invoke()`, `${P}.WebServiceHandler.CoreProcessRequest()`];

/** The service class: no source names it, so this name is the mock's choice. */
export const SERVICE_CLASS = 'Genpact.Cora.Ocr.CoraOcrIntegration';

export const FRAMES = {
  /** SOAP 1.1 routing by SOAPAction. */
  route11: [`${P}.Soap11ServerProtocolHelper.RouteRequest()`, ...ROUTE],
  /** SOAP 1.2 routing by the action parameter, then the body element. */
  route12: [`${P}.Soap12ServerProtocolHelper.RouteRequest()`, ...ROUTE],
  /** The body element read while routing (SOAP 1.2 helper). */
  requestElement: [
    'System.Xml.XmlTextReaderImpl.Throw(Exception e)',
    'System.Xml.XmlTextReaderImpl.ParseDocumentContent()',
    'System.Xml.XmlTextReaderImpl.Read()',
    'System.Xml.XmlReader.MoveToContent()',
    `${P}.SoapServerProtocolHelper.GetRequestElement()`,
    `${P}.Soap12ServerProtocolHelper.RouteRequest()`,
    ...ROUTE,
  ],
  readParameters: [`${P}.SoapServerProtocol.ReadParameters()`, `${P}.WebServiceHandler.CoreProcessRequest()`],
  versionMismatch: [`${P}.SoapServerProtocol.CheckHelperVersion()`, `${P}.SoapServerProtocol.ReadParameters()`, `${P}.WebServiceHandler.CoreProcessRequest()`],
  deserialize: [
    'System.Xml.Serialization.XmlSerializer.Deserialize(XmlReader xmlReader, String encodingStyle, XmlDeserializationEvents events)',
    'System.Xml.Serialization.XmlSerializer.Deserialize(XmlReader xmlReader, String encodingStyle)',
    `${P}.SoapServerProtocol.ReadParameters()`,
  ],
  int64: ['System.Number.ParseInt64(String value, NumberStyles options, NumberFormatInfo numfmt)', 'System.Xml.XmlConvert.ToInt64(String s)'],
  int32: ['System.Number.ParseInt32(String s, NumberStyles style, NumberFormatInfo info)', 'System.Xml.XmlConvert.ToInt32(String s)'],
  guid: ['System.Guid.TryParseGuidWithNoStyle(String guidString, GuidResult& result)', 'System.Guid..ctor(String g)', 'System.Xml.XmlConvert.ToGuid(String s)'],
  mustUnderstand: [
    `${P}.SoapHeaderHandling.EnsureHeadersUnderstood(SoapHeaderCollection headers)`,
    `${P}.SoapServerProtocol.WriteReturns(Object[] returnValues, Stream outputStream)`,
    `${P}.WebServiceHandler.WriteReturns(Object[] returnValues)`,
    ...INVOKE,
  ],
  /** HTTP GET/POST: the method name, checked while the protocol initialises. */
  httpInitialize: [`${P}.HttpServerProtocol.Initialize()`, ...FACTORY_CREATE],
  httpReadParameters: [
    `${P}.ScalarFormatter.FromString(String value, Type type)`,
    `${P}.ValueCollectionParameterReader.Read(NameValueCollection collection)`,
    `${P}.HttpServerProtocol.ReadParameters()`,
    `${P}.WebServiceHandler.CoreProcessRequest()`,
  ],
  discovery: [
    `${P}.DiscoveryServerProtocol.WriteReturns(Object[] returnValues, Stream outputStream)`,
    `${P}.WebServiceHandler.WriteReturns(Object[] returnValues)`,
    ...INVOKE,
  ],
  handlerFactory: [
    `${P}.WebServiceHandlerFactory.CoreGetHandler(Type type, HttpContext context, HttpRequest request, HttpResponse response)`,
    `${P}.WebServiceHandlerFactory.GetHandler(HttpContext context, String verb, String url, String filePath)`,
    'System.Web.Script.Services.ScriptHandlerFactory.GetHandler(HttpContext context, String requestType, String url, String pathTranslated)',
    'System.Web.HttpApplication.MaterializeHandlerExecutionStep.System.Web.HttpApplication.IExecutionStep.Execute()',
    'System.Web.HttpApplication.ExecuteStepImpl(IExecutionStep step)',
    'System.Web.HttpApplication.ExecuteStep(IExecutionStep step, Boolean& completedSynchronously)',
  ],
  scriptHandler: [
    'System.Web.Script.Services.WebServiceData.GetWebServiceData(HttpContext context, String virtualPath, Boolean failIfNoData, Boolean pageMethods, Boolean inlineScript)',
    'System.Web.Script.Services.RestHandlerFactory.GetHandler(HttpContext context, String requestType, String url, String pathTranslated)',
    'System.Web.Script.Services.ScriptHandlerFactory.GetHandler(HttpContext context, String requestType, String url, String pathTranslated)',
    'System.Web.HttpApplication.MaterializeHandlerExecutionStep.System.Web.HttpApplication.IExecutionStep.Execute()',
    'System.Web.HttpApplication.ExecuteStepImpl(IExecutionStep step)',
    'System.Web.HttpApplication.ExecuteStep(IExecutionStep step, Boolean& completedSynchronously)',
  ],
  /** Inside the web method itself. */
  operation: (op: 'FileBatch' | 'GetStatus'): string[] => [
    op === 'GetStatus'
      ? `${SERVICE_CLASS}.GetStatus()`
      : `${SERVICE_CLASS}.FileBatch(Int32 TimeOut, String ExternalContext, FileReference InputFile, String OCRProfile, FileReference OutputFile, String PutModel)`,
  ],
} as const;
