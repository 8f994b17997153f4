// The public library API: everything the CLI composes, for embedding muxd's servers in another program.

export * from './errors.js';
export { Lifecycle, DEFAULT_DRAIN_TIMEOUT_MS } from './lifecycle.js';
export type { Closable, LifecycleOptions } from './lifecycle.js';
export { LineDecoder, DEFAULT_MAX_LINE_BYTES } from './protocol/line-decoder.js';
export type { LineSink } from './protocol/line-decoder.js';

export { createStaticHandler } from './http/static/static-handler.js';
export type { StaticOptions, StaticHandler } from './http/static/static-handler.js';
export { createHttpServer } from './http/core/server.js';
export type { HttpServerOptions, HttpServerHandle, RequestHandler } from './http/core/server.js';
export type { Req, Res, Handler } from './http/core/types.js';
export { resolveServeOptions, serveOptionSpecs, SERVE_DEFAULTS } from './http/features/options.js';
export type { ServeExtras } from './http/features/options.js';
export { composeLayers } from './http/core/layers.js';
export type { Layer, FinalHandler } from './http/core/layers.js';
export { createProxy, DEFAULT_PROXY_TIMEOUT_MS } from './http/features/proxy.js';
export type { Proxy, ProxyOptions } from './http/features/proxy.js';
export { parseProxyRules } from './http/features/proxy-rules.js';
export type { ProxyRule } from './http/features/proxy-rules.js';
export { createLiveReload } from './http/features/live-reload.js';
export type { LiveReload, LiveReloadHook, LiveReloadOptions } from './http/features/live-reload.js';

export { openJournal, Journal } from './journal/journal.js';
export type { Sink, MessageInput } from './journal/sink.js';
export type { JournalOptions, JournalStats } from './journal/options.js';
export { CollectorServer } from './collector/server.js';
export type { CollectorStats } from './collector/server.js';
export { collectConfigFrom, collectFlags, DEFAULT_COLLECTOR_OPTIONS } from './collector/options.js';
export type { CollectorOptions, CollectConfig } from './collector/options.js';
export { StdinSource } from './collector/stdin-source.js';

export { connectTo, WindowedSender } from './client/client.js';
export type { SendSummary, SenderOptions } from './client/client.js';
export { sendLines } from './client/pipe.js';
export { readJournal } from './journal/reader.js';
export { runLoad } from './client/load.js';
export type { LoadOptions, LoadReport } from './client/load.js';

export { startUp } from './web/app.js';
export type { UpOptions, UpApp } from './web/app.js';
