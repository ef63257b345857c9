// The service description: the WSDL file is served with every address rewritten from the request's
// Host and path, as ASMX does, and the `soap` package checks that it describes our operations.
import fs from 'node:fs';
import type * as Soap from 'soap';
import { API_NS, OPERATIONS, SERVICE_PATH } from './constants';
import { WSDL_FILE } from '../paths';
import { escapeXml } from './xml';

const PLACEHOLDER = `http://localhost${SERVICE_PATH}`;

export interface ServiceDescription {
  /** The WSDL for a given service URL. */
  wsdl(serviceUrl: string): string;
  disco(serviceUrl: string): string;
  /**
   * Resolves once the `soap` package has parsed the WSDL and found both operations on both SOAP
   * ports; rejects with the reason otherwise. The check runs once, on the first call.
   */
  validated(): Promise<void>;
}

/** The SOAP ports the adapter implements; the WSDL must bind every operation on each of them. */
const SOAP_PORTS = ['CoraOcrIntegrationSoap', 'CoraOcrIntegrationSoap12'];

/** Parses the WSDL with the `soap` package's public WSDL class and checks the operations it binds. */
async function validateWithSoap(xml: string, file: string): Promise<void> {
  // Loaded here, not at the top: the package takes ~100 ms to load, which start-up need not wait for.
  const { WSDL } = require('soap') as typeof Soap;
  const wsdl = new WSDL(xml, file, {});
  // The WSDL parses on the next tick and reports through onReady (set before that tick).
  await new Promise<void>((resolve, reject) =>
    wsdl.onReady((err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())),
  );
  const described = wsdl.describeServices() as Record<string, Record<string, object>>;
  const ports = described['CoraOcrIntegration'];
  if (!ports) throw new Error(`${file}: service CoraOcrIntegration is missing`);
  for (const port of SOAP_PORTS) {
    const ops = ports[port];
    for (const op of OPERATIONS) {
      if (!ops || !(op in ops)) throw new Error(`${file}: port ${port} does not bind operation ${op}`);
    }
  }
}

/** Reads the WSDL file; fails at once if it cannot be served (missing, or without the placeholder address). */
export function loadServiceDescription(file = WSDL_FILE): ServiceDescription {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(`location="${PLACEHOLDER}"`)) throw new Error(`${file}: addresses must be ${PLACEHOLDER}`);
  const parts = text.split(`location="${PLACEHOLDER}"`);
  let validation: Promise<void> | null = null;

  const cache = new Map<string, string>();
  return {
    wsdl(serviceUrl) {
      let out = cache.get(serviceUrl);
      if (out === undefined) {
        out = parts.join(`location="${escapeXml(serviceUrl)}"`);
        if (cache.size > 64) cache.clear();
        cache.set(serviceUrl, out);
      }
      return out;
    },
    disco(serviceUrl) {
      const u = escapeXml(serviceUrl);
      return (
        '<?xml version="1.0" encoding="utf-8"?>\r\n' +
        '<discovery xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="http://schemas.xmlsoap.org/disco/">\r\n' +
        `  <contractRef ref="${u}?wsdl" docRef="${u}" xmlns="http://schemas.xmlsoap.org/disco/scl/" />\r\n` +
        `  <soap address="${u}" xmlns:q1="${API_NS}" binding="q1:CoraOcrIntegrationSoap" xmlns="http://schemas.xmlsoap.org/disco/soap/" />\r\n` +
        `  <soap address="${u}" xmlns:q2="${API_NS}" binding="q2:CoraOcrIntegrationSoap12" xmlns="http://schemas.xmlsoap.org/disco/soap/" />\r\n` +
        '</discovery>'
      );
    },
    validated() {
      validation ??= validateWithSoap(text, file);
      return validation;
    },
  };
}
