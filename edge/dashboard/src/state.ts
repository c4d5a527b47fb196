/** What the panels share: the chosen symbol and account. Panels restart their streams when these change. */
export interface Selection {
  symbol: string;
  account: string;
}

export interface Store {
  get(): Selection;
  set(change: Partial<Selection>): void;
  /** Calls `fn` whenever `key` changes (not at subscription). */
  on(key: keyof Selection, fn: (value: string) => void): void;
}

export function createStore(initial: Selection): Store {
  let state = { ...initial };
  const listeners: { key: keyof Selection; fn: (value: string) => void }[] = [];
  return {
    get: () => state,
    set(change) {
      const before = state;
      state = { ...state, ...change };
      for (const l of listeners) if (before[l.key] !== state[l.key]) l.fn(state[l.key]);
    },
    on(key, fn) {
      listeners.push({ key, fn });
    },
  };
}
