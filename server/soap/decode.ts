// Reads request elements the way ASMX's XmlSerializer does: children may come in any order, the
// first occurrence of a name wins, unknown or unqualified elements are skipped, and a value that
// does not parse is reported with its position in the document.
import { ActivityMetadata, FileBatchRequest, FileReference } from '../batches/model';
import { API_NS, XSI_NS } from './constants';
import { FRAMES, T, dotnetException } from './dotnet';
import { unreadable, unreadableAt } from './faults';
import { XmlElement, attr } from './xml';

const XML_WS = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FORMAT_ERROR = 'Input string was not in a correct format.';

/** A value XmlConvert cannot read, with the .NET exception type and frames it would throw. */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly frames: readonly string[],
  ) {
    super(message);
  }
}

/** XmlConvert.ToInt64: optional surrounding whitespace and sign, then digits. */
export function parseInt64(text: string): bigint {
  const s = text.replace(XML_WS, '');
  if (!/^[+-]?[0-9]+$/.test(s)) throw new ValueError(FORMAT_ERROR, T.format, FRAMES.int64);
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) throw new ValueError('Value was either too large or too small for an Int64.', T.overflow, FRAMES.int64);
  return v;
}

/** XmlConvert.ToInt32. */
export function parseInt32(text: string): number {
  const s = text.replace(XML_WS, '');
  if (!/^[+-]?[0-9]+$/.test(s)) throw new ValueError(FORMAT_ERROR, T.format, FRAMES.int32);
  const v = Number(s);
  if (!Number.isSafeInteger(v) || v < -2147483648 || v > 2147483647) {
    throw new ValueError('Value was either too large or too small for an Int32.', T.overflow, FRAMES.int32);
  }
  return v;
}

const GUID_FORMS = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^[0-9a-f]{32}$/i,
  /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i,
  /^\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)$/i,
];

/** new Guid(string), as XmlConvert.ToGuid uses it: the D, N, B and P forms. */
export function parseGuid(text: string): string {
  const s = text.replace(XML_WS, '');
  if (!GUID_FORMS.some((re) => re.test(s))) {
    throw new ValueError('Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).', T.format, FRAMES.guid);
  }
  const hex = s.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const isNil = (el: XmlElement): boolean => {
  const v = attr(el, XSI_NS, 'nil');
  return v === 'true' || v === '1';
};

/** The first child per known local name in the api namespace; later duplicates are skipped. */
function fields(el: XmlElement): Map<string, XmlElement> {
  const out = new Map<string, XmlElement>();
  for (const c of el.children) if (c.ns === API_NS && !out.has(c.local)) out.set(c.local, c);
  return out;
}

function read<T>(el: XmlElement, parse: (s: string) => T): T {
  try {
    return parse(el.text);
  } catch (err) {
    if (err instanceof ValueError) throw unreadableAt(el.endLine, el.endCol, dotnetException(err.type, err.message, err.frames));
    throw err;
  }
}

const str = (el: XmlElement | undefined): string | null => (el === undefined || isNil(el) ? null : el.text);

function fileReference(el: XmlElement | undefined): FileReference | null {
  if (el === undefined || isNil(el)) return null;
  const f = fields(el);
  return { Connection: str(f.get('Connection')), RelativeLocation: str(f.get('RelativeLocation')), FileName: str(f.get('FileName')) };
}

const required = (name: string): Error =>
  unreadable(dotnetException(T.invalidOperation, `Required element ${name} of FileBatch is missing or nil.`, FRAMES.deserialize));

export function decodeFileBatch(el: XmlElement): FileBatchRequest {
  const f = fields(el);
  const timeOut = f.get('TimeOut');
  if (timeOut === undefined || isNil(timeOut)) throw required('TimeOut');
  const TimeOut = read(timeOut, parseInt32);
  if (TimeOut < 0) {
    throw unreadableAt(timeOut.endLine, timeOut.endCol, dotnetException(T.invalidOperation, 'TimeOut must not be negative.', FRAMES.deserialize));
  }
  const OCRProfile = str(f.get('OCRProfile'));
  if (OCRProfile === null) throw required('OCRProfile');
  const PutModel = str(f.get('PutModel'));
  if (PutModel === null) throw required('PutModel');
  return {
    TimeOut,
    ExternalContext: str(f.get('ExternalContext')),
    InputFile: fileReference(f.get('InputFile')),
    OCRProfile,
    OutputFile: fileReference(f.get('OutputFile')),
    PutModel,
  };
}

const META_PARSERS: Record<keyof ActivityMetadata, (el: XmlElement) => string | number | null> = {
  WorkflowSpaceId: (el) => read(el, parseGuid),
  WorkflowSpaceName: str,
  WorkflowId: (el) => read(el, parseGuid),
  WorkflowName: str,
  WorkflowInstanceId: (el) => read(el, parseInt64).toString(),
  ActivityId: (el) => read(el, parseGuid),
  ActivityName: str,
  ActivityInstanceId: (el) => read(el, parseInt64).toString(),
  CallerId: (el) => read(el, parseInt32),
  MasterWorkflowInstanceId: (el) => read(el, parseInt64).toString(),
};

/** Fields are read in document order, so the first bad value in the document is the one reported. */
export function decodeActivityMetadata(el: XmlElement): ActivityMetadata {
  const m: Record<string, string | number> = {};
  for (const [name, child] of fields(el)) {
    const parse = META_PARSERS[name as keyof ActivityMetadata];
    if (!parse) continue;
    const v = parse(child);
    if (v !== null) m[name] = v;
  }
  return m as ActivityMetadata;
}

/**
 * FileBatch's parameters when the body holds no FileBatch element (the SOAPAction chose the
 * operation): XmlSerializer skips the unknown element and leaves every parameter at its default,
 * so the method runs with TimeOut 0 and no strings or files. OCRProfile and PutModel, null there,
 * are stored as empty strings here (the store keeps both as text).
 */
export const absentFileBatch = (): FileBatchRequest => ({
  TimeOut: 0,
  ExternalContext: null,
  InputFile: null,
  OCRProfile: '',
  OutputFile: null,
  PutModel: '',
});
