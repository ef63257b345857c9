// The rest of the IIS application the service lives in: any other path under /SequenceServices
// (an unknown .asmx, the application root) is ASP.NET's 404 page. Outside the application the
// listener answers its plain 404.
import type { Handler } from '../http/listener';
import { writeReply } from '../http/reply';
import { APPLICATION_PATH } from './constants';
import { notFoundPage } from './errorpage';

/** `/SequenceServices` itself or anything under it, in any letter case and with repeated slashes (IIS). */
const APPLICATION = new RegExp(`^/+${APPLICATION_PATH.slice(1)}(?=/|$)`, 'i');

/** Whether a path belongs to the application; returns the part after the application's name. */
export function matchApplicationPath(pathname: string): string | null {
  const m = APPLICATION.exec(pathname);
  return m ? pathname.slice(m[0].length) : null;
}

/** Answers ASP.NET's 404 page (the service's own paths are routed before this). */
export function createApplicationHandler(): Handler {
  return (req, res, target) => writeReply(res, notFoundPage(target.pathname), req.method === 'HEAD');
}
