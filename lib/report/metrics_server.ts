/**
 * The `/metrics` endpoint `impact run --metrics` serves while the job runs. Loopback unless
 * the user names another address explicitly.
 *
 * @module
 */
import { EXPOSITION_CONTENT_TYPE } from "./prometheus.ts";

/** Where to listen. */
export interface ListenAddress {
  hostname: string;
  port: number;
}

/**
 * Parses `--metrics`: `9464` or `:9464` listen on 127.0.0.1; `HOST:PORT` and `[IPv6]:PORT`
 * listen where named (`0.0.0.0:9464` exposes the metrics to the network, on purpose).
 *
 * @param text The flag's value.
 * @returns The address.
 * @throws When the port or host is malformed.
 */
export function parseListenAddress(text: string): ListenAddress {
  const value = text.trim();
  let hostname = "127.0.0.1";
  let portText = value;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (v6) {
    hostname = v6[1]!;
    portText = v6[2]!;
  } else if (value.includes(":")) {
    const at = value.lastIndexOf(":");
    const host = value.slice(0, at);
    if (host.includes(":")) {
      throw new Error(`metrics address "${text}": write IPv6 addresses as [ADDR]:PORT`);
    }
    if (host !== "") hostname = host;
    portText = value.slice(at + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new Error(`metrics address "${text}": port must be 0-65535, found "${portText}"`);
  }
  if (hostname === "" || /[\s/]/.test(hostname)) {
    throw new Error(`metrics address "${text}": malformed host "${hostname}"`);
  }
  return { hostname, port };
}

/** Options for {@link serveMetrics}. */
export interface MetricsServerOptions {
  /** Default 127.0.0.1. */
  hostname?: string;
  /** 0 picks a free port. */
  port: number;
  /** The exposition text, built on each scrape. */
  getText(): string;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/** A running metrics server. */
export interface MetricsServer extends AsyncDisposable {
  hostname: string;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** `http://host:port/metrics`. */
  url: string;
  /** Stops listening and waits for open requests to finish. Safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Serves the exposition text at `/metrics`.
 *
 * @param options Address, text source and an optional abort signal.
 * @returns The running server; `await using` shuts it down.
 */
export function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname,
        port: options.port,
        ...(options.signal ? { signal: options.signal } : {}),
        onListen: () => {},
        onError: (error) =>
          new Response(`metrics failed: ${error instanceof Error ? error.message : error}\n`, {
            status: 500,
          }),
      }, (request) => {
        const path = new URL(request.url).pathname;
        if (request.method !== "GET" && request.method !== "HEAD") {
          return new Response("method not allowed\n", {
            status: 405,
            headers: { allow: "GET, HEAD" },
          });
        }
        if (path === "/metrics") {
          const body = options.getText();
          return new Response(request.method === "HEAD" ? null : body, {
            headers: { "content-type": EXPOSITION_CONTENT_TYPE },
          });
        }
        if (path === "/") {
          return new Response('<a href="/metrics">metrics</a>\n', {
            headers: { "content-type": "text/html; charset=utf-8" },
          });
        }
        return new Response("not found\n", { status: 404 });
      });
    } catch (error) {
      reject(
        new Error(
          `cannot listen for metrics on ${hostname}:${options.port}: ${
            error instanceof Error ? error.message : error
          }`,
          { cause: error },
        ),
      );
      return;
    }
    let stopped: Promise<void> | undefined;
    const shutdown = () => (stopped ??= server.shutdown().then(() => server.finished));
    const port = server.addr.port;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    resolve({
      hostname,
      port,
      url: `http://${host}:${port}/metrics`,
      shutdown,
      [Symbol.asyncDispose]: shutdown,
    });
  });
}
