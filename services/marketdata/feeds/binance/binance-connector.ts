import { FeedState } from "../../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import type { Clock } from "../../../../lib/clock/index.js";
import type { FeedConnector, FeedEnd, TickSink } from "../connector.js";
import { runReconnectingWebSocket, type BackoffOptions } from "../reconnecting-websocket.js";
import { binanceStreamUrl, parseBinanceMessage, type BinanceSymbolMap } from "./binance-messages.js";

export const BINANCE_DEFAULT_URL = "wss://stream.binance.com:9443";

export interface BinanceConnectorOptions {
  /** Base websocket URL; the combined-stream path is appended. */
  baseUrl: string;
  venueSymbols: readonly string[];
  symbols: BinanceSymbolMap;
  trades: boolean;
  quotes: boolean;
  clock: Clock;
  backoff?: BackoffOptions;
  /** Binance pings every 20 s; silence for longer than this means a dead connection. */
  idleTimeoutMs?: number;
  feedName?: string;
}

/** Binance spot trades and book tickers over one combined-stream websocket that reconnects by itself. */
export function binanceConnector(options: BinanceConnectorOptions): FeedConnector {
  const url = binanceStreamUrl(options.baseUrl, options.venueSymbols, options.trades, options.quotes);
  return {
    async run(sink: TickSink, signal: AbortSignal): Promise<FeedEnd> {
      await runReconnectingWebSocket(
        {
          url,
          clock: options.clock,
          backoff: options.backoff,
          idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
          onState: (state, error) => sink.state(state === "connected" ? FeedState.RUNNING : FeedState.RECONNECTING, error),
          onMessage: async (text) => {
            const parsed = parseBinanceMessage(text, options.clock.now(), options.symbols, options.feedName);
            if (parsed.kind === "tick") await sink.publish([parsed.tick]);
            else if (parsed.kind === "error") await sink.malformed(Buffer.from(text), parsed.error, parsed.venueSymbol && options.symbols.platformSymbol(parsed.venueSymbol));
          },
        },
        signal,
      );
      return "stopped";
    },
  };
}
