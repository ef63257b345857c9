// ASP.NET's HTML error page ("Server Error in '/SequenceServices' Application."), as IIS answers
// requests ASMX does not take: other verbs, paths after the .asmx no protocol understands, JSON,
// unknown files under the application. Clients compare its status, Content-Type and
// Cache-Control, not its markup; the markup follows ASP.NET's layout. With customErrors Off the
// page adds the exception details and the stack trace, as ASP.NET shows them to a local caller.
import { APPLICATION_PATH, CACHE_ERROR, CONTENT_TYPE_HTML } from './constants';
import { CustomErrors, DotNetException, FRAMES, T, dotnetException } from './dotnet';
import type { Reply } from '../http/reply';

const STYLE =
  'body{font-family:Verdana;font-size:.7em;color:black}H1{font-size:18pt;color:red;font-weight:normal}' +
  'H2{font-size:14pt;color:maroon;font-weight:normal}pre{font-family:Consolas,"Lucida Console",monospace;font-size:11pt}';

const VERSION = 'Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4750.0';

const REMOTE =
  'An application error occurred on the server. The current custom error settings for this application prevent the details of the application error from being viewed remotely (for security reasons).';

const UNHANDLED =
  'An unhandled exception occurred during the execution of the current web request. Please review the stack trace for more information about the error and where it originated in the code.';

/** Text in the page: markup characters escaped, quotes kept as written (the message reads as ASP.NET's). */
const htmlText = (s: string): string => s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));

/** The short type name ASP.NET prints in the stack trace's bracketed lines. */
const shortName = (type: string): string => type.slice(type.lastIndexOf('.') + 1);

/** The "Stack Trace:" block: innermost exception first, each as `[Type: message]` and its frames. */
function stackBlock(e: DotNetException): string {
  const chain: DotNetException[] = [];
  for (let i: DotNetException | undefined = e; i; i = i.inner) chain.unshift(i);
  return chain
    .map((x) => `[${shortName(x.type)}: ${htmlText(x.message)}]\r\n${(x.stack ?? []).map((f) => `   ${htmlText(f)}\r\n`).join('')}`)
    .join('\r\n');
}

function page(title: string, description: string, details: string): string {
  return `<!DOCTYPE html>
<html>
    <head>
        <title>${title}</title>
        <meta name="viewport" content="width=device-width" />
        <style>${STYLE}</style>
    </head>

    <body bgcolor="white">

            <span><H1>Server Error in '${APPLICATION_PATH}' Application.<hr width=100% size=1 color=silver></H1>

            <h2> <i>${title}</i> </h2></span>

            <font face="Arial, Helvetica, Geneva, SunSans-Regular, sans-serif ">

            <b> Description: </b>${description}
            <br><br>
${details}
            <hr width=100% size=1 color=silver>

            <b>Version Information:</b>&nbsp;${VERSION}

            </font>

    </body>
</html>
`;
}

const reply = (status: number, body: string): Reply => ({ status, contentType: CONTENT_TYPE_HTML, cacheControl: CACHE_ERROR, body });

/** The page for an exception ASP.NET did not expect (status 500, or an HttpException's own status). */
export function exceptionPage(status: number, e: DotNetException, customErrors: CustomErrors): Reply {
  const title = htmlText(e.message);
  if (customErrors === 'On') {
    return reply(status, page(title, REMOTE, ''));
  }
  const details = `            <b> Exception Details: </b>${e.type}: ${title}<br><br>

            <b>Source Error:</b> <br><br>

            <table width=100% bgcolor="#ffffcc">
               <tr>
                  <td>
                      <code>

An unhandled exception was generated during the execution of the current web request. Information regarding the origin and location of the exception can be identified using the exception stack trace below.</code>

                  </td>
               </tr>
            </table>

            <br>

            <b>Stack Trace:</b> <br><br>

            <table width=100% bgcolor="#ffffcc">
               <tr>
                  <td>
                      <code><pre>

${stackBlock(e)}</pre></code>

                  </td>
               </tr>
            </table>

            <br>
`;
  return reply(status, page(title, UNHANDLED, details));
}

/** ASMX's answer to a verb or path no protocol takes (WebServiceHandlerFactory). */
export function unrecognizedRequestPage(pathInfo: string, customErrors: CustomErrors): Reply {
  if (pathInfo === '') {
    // The documentation protocol takes every other verb on the .asmx itself, refusing it with 405.
    return exceptionPage(405, dotnetException(T.http, 'Request format is unrecognized.', FRAMES.handlerFactory), customErrors);
  }
  const message = `Request format is unrecognized for URL unexpectedly ending in '${pathInfo}'.`;
  return exceptionPage(500, dotnetException(T.invalidOperation, message, FRAMES.handlerFactory), customErrors);
}


/** ASP.NET's 404 page (the same for local and remote callers: it shows no exception). */
export function notFoundPage(requestedPath: string): Reply {
  const description =
    'HTTP 404. The resource you are looking for (or one of its dependencies) could have been removed, had its name changed, or is temporarily unavailable. &nbsp;Please review the following URL and make sure that it is spelled correctly.';
  const details = `
            <b> Requested URL: </b>${htmlText(requestedPath)}<br><br>
`;
  return reply(404, page('The resource cannot be found.', description, details));
}
