import type { TradeEvent } from "../../gen/tickmesh/execution/v1/events_pb.js";
import { AccountBook, type ApplyResult, type Divergence } from "./account-book.js";
import { QuoteBook } from "./quote-book.js";

const key = (tenant: string, account: string) => `${tenant}\u0000${account}`;

/** Every account's book, keyed by (tenant, account), and the latest marks: the in-memory read model. */
export class Portfolios {
  readonly quotes = new QuoteBook();
  readonly #books = new Map<string, AccountBook>();

  constructor(private readonly onDivergence: (kind: Divergence) => void = () => {}) {}

  /** Applies an event to its account (created on first sight). The tenant is the event's own. */
  apply(event: TradeEvent): { book: AccountBook; result: ApplyResult } {
    if (!event.tenantId || !event.accountId) throw new Error("trade event without tenant_id or account_id");
    const existing = this.#books.get(key(event.tenantId, event.accountId));
    const book = existing ?? new AccountBook(event.tenantId, event.accountId, this.onDivergence);
    const result = book.apply(event);
    if (!existing) this.#books.set(key(event.tenantId, event.accountId), book);
    return { book, result };
  }

  /** The account of this tenant, or undefined: another tenant's account is never returned. */
  get(tenant: string, account: string): AccountBook | undefined {
    return this.#books.get(key(tenant, account));
  }

  all(): IterableIterator<AccountBook> {
    return this.#books.values();
  }
}
