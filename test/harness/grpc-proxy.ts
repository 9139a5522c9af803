/**
 * A gRPC proxy in front of a Temporal frontend that records every request's method and headers: the tests see
 * what a worker or client actually sends (an API key, gRPC metadata), and, given a TLS identity, it serves the
 * frontend over TLS or mTLS so that clients' TLS settings meet a real handshake. HTTP/2 streams are forwarded one
 * to one, trailers included (gRPC's status travels in them).
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  /** The gRPC method path, e.g. `/temporal.api.workflowservice.v1.WorkflowService/PollWorkflowTaskQueue`. */
  path: string;
  headers: http2.IncomingHttpHeaders;
}

export interface GrpcProxyTls {
  /** The server's certificate and key (PEM). */
  cert: string | Buffer;
  key: string | Buffer;
  /** CA that client certificates must chain to; with it, a client without a valid certificate is refused (mTLS). */
  clientCa?: string | Buffer;
}

export interface GrpcProxy {
  /** `127.0.0.1:<port>` */
  address: string;
  requests: ProxiedRequest[];
  /** TLS handshakes refused (mTLS without a valid client certificate). */
  refusedHandshakes: number;
  close(): Promise<void>;
}

const hopHeaders = new Set([':authority', ':scheme', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

export async function startGrpcProxy(target: string, options: { tls?: GrpcProxyTls } = {}): Promise<GrpcProxy> {
  // One upstream session, replaced when the server closes it or sends GOAWAY (it ages connections out).
  let upstream: http2.ClientHttp2Session | undefined;
  const upstreamSession = (): http2.ClientHttp2Session => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      const session = http2.connect(`http://${target}`);
      session.on('error', () => undefined);
      session.on('goaway', () => {
        if (upstream === session) upstream = undefined;
      });
      upstream = session;
    }
    return upstream;
  };
  const requests: ProxiedRequest[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  let refusedHandshakes = 0;
  const server = options.tls
    ? http2.createSecureServer({
        cert: options.tls.cert,
        key: options.tls.key,
        ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        allowHTTP1: false,
      })
    : http2.createServer();
  server.on('tlsClientError', () => (refusedHandshakes += 1));
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    requests.push({ path: String(headers[':path']), headers });
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => !hopHeaders.has(name)));
    const request = upstreamSession().request(forwarded, { endStream: false });
    let trailers: http2.OutgoingHttpHeaders = {};
    request.on('trailers', (received) => (trailers = sanitize(received)));
    request.on('response', (responseHeaders) => {
      if (stream.destroyed) return;
      // A trailers-only answer (an error status at once) carries grpc-status in its headers and ends there.
      if ('grpc-status' in responseHeaders) stream.respond(sanitize(responseHeaders), { endStream: true });
      else stream.respond(sanitize(responseHeaders), { waitForTrailers: true });
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    request.on('data', (chunk: Buffer) => {
      if (!stream.destroyed && !stream.writableEnded) stream.write(chunk);
    });
    request.on('end', () => {
      if (!stream.destroyed && !stream.writableEnded) stream.end();
    });
    stream.on('data', (chunk: Buffer) => request.write(chunk));
    stream.on('end', () => request.end());
    stream.on('close', () => request.close());
    request.on('close', () => {
      if (!stream.destroyed && !stream.writableEnded && stream.headersSent) stream.end();
    });
    request.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('error', () => request.close(http2.constants.NGHTTP2_CANCEL));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    get refusedHandshakes() {
      return refusedHandshakes;
    },
    async close() {
      for (const session of sessions) session.destroy();
      upstream?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sanitize(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopHeaders.has(name) && name !== ':method' && name !== ':path'));
}
