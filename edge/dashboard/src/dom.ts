type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** `h("button", { class: "x", onclick: fn }, "label")`: an element with attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (name in el && typeof (el as unknown as Record<string, unknown>)[name] !== "object" && !name.startsWith("data-") && !name.startsWith("aria-")) (el as unknown as Record<string, unknown>)[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A table body from rows of cells; `key` becomes each row's data-key (tests and styles find rows by it). */
export function renderRows<T>(tbody: HTMLTableSectionElement, rows: readonly T[], cells: (row: T) => Child[], key?: (row: T) => string): void {
  tbody.replaceChildren(
    ...rows.map((row) => {
      const tr = h("tr", key ? { "data-key": key(row) } : {});
      for (const cell of cells(row)) tr.appendChild(cell instanceof Node ? cell : h("td", {}, cell));
      return tr;
    }),
  );
}

export function table(headers: readonly string[], testId: string): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = h("tbody");
  const t = h("table", { "data-testid": testId }, h("thead", {}, h("tr", {}, ...headers.map((name) => h("th", {}, name)))), body);
  return { table: t, body };
}
