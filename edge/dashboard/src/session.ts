import { AccountKind } from "../../../gen/tickmesh/execution/v1/orders_pb.js";
import type { Api } from "./api.js";
import { h } from "./dom.js";
import { describe } from "./errors.js";
import { savedAccount, savedCredential, savedSymbol } from "./credentials.js";
import type { Store } from "./state.js";

/**
 * The top bar: the credential (kept in localStorage), the symbol picker (marketdata ListInstruments)
 * and the account picker (execution ListAccounts, or create a paper account).
 */
export function sessionBar(api: Api, store: Store, onSignedIn: () => void): HTMLElement {
  const credential = h("input", { type: "password", placeholder: "API key or bearer token", autocomplete: "off", size: 40, value: savedCredential.get(), "data-testid": "credential-input", "aria-label": "API key or bearer token" });
  const connect = h("button", { type: "submit", "data-testid": "connect-button" }, "Connect");
  const signOut = h("button", { type: "button", onclick: () => (savedCredential.set(""), location.reload()) }, "Sign out");
  const message = h("span", { class: "status", "data-testid": "session-status" });
  const symbol = h("select", { "data-testid": "symbol-select", disabled: true, onchange: () => (savedSymbol.set(symbol.value), store.set({ symbol: symbol.value })) });
  const account = h("select", { "data-testid": "account-select", disabled: true, onchange: () => (savedAccount.set(account.value), store.set({ account: account.value })) });
  const newAccount = h("button", { type: "button", disabled: true, "data-testid": "create-account", onclick: () => void createAccount() }, "New paper account");
  const form = h("form", { class: "login", onsubmit: (e: Event) => (e.preventDefault(), void signIn()) }, credential, connect, signOut);
  const bar = h("div", { class: "session" }, form, h("label", {}, "Symbol ", symbol), h("label", {}, "Account ", account), newAccount, message);

  const say = (text: string, kind: "ok" | "error" = "ok") => {
    message.textContent = text;
    message.dataset.kind = kind;
  };

  async function loadAccounts(prefer: string): Promise<void> {
    const res = await api.execution.listAccounts({ pageSize: 100 });
    account.replaceChildren(...res.accounts.map((a) => h("option", { value: a.accountId }, `${a.accountId} (${a.baseCurrency})`)));
    const pick = res.accounts.find((a) => a.accountId === prefer)?.accountId ?? res.accounts[0]?.accountId ?? "";
    account.value = pick;
    account.disabled = res.accounts.length === 0;
    newAccount.disabled = false;
    savedAccount.set(pick);
    store.set({ account: pick });
  }

  async function signIn(): Promise<void> {
    savedCredential.set(credential.value.trim());
    say("connecting…");
    try {
      const res = await api.marketdata.listInstruments({ pageSize: 500 });
      symbol.replaceChildren(...res.instruments.map((i) => h("option", { value: i.symbol, title: i.displayName }, i.symbol)));
      const preferred = savedSymbol.get();
      symbol.value = res.instruments.some((i) => i.symbol === preferred) ? preferred : (res.instruments[0]?.symbol ?? "");
      symbol.disabled = false;
      store.set({ symbol: symbol.value });
      say(`connected · ${res.instruments.length} instruments`);
      document.body.classList.add("signed-in");
      onSignedIn();
    } catch (err) {
      say(describe(err), "error");
      return;
    }
    try {
      await loadAccounts(savedAccount.get());
    } catch (err) {
      say(`accounts: ${describe(err)}`, "error");
    }
  }

  async function createAccount(): Promise<void> {
    const id = `paper-${Date.now().toString(36)}`;
    try {
      await api.execution.createAccount({ accountId: id, displayName: "dashboard paper account", kind: AccountKind.PAPER, baseCurrency: "USD", initialCash: "100000" });
      await loadAccounts(id);
      say(`created ${id} with 100000 USD`);
    } catch (err) {
      say(describe(err), "error");
    }
  }

  if (credential.value) queueMicrotask(() => void signIn());
  return bar;
}
