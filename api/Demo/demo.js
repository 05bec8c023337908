"use strict";
// Everything here speaks the public contract, as any client would: GraphQL over HTTP for
// queries and mutations, graphql-transport-ws for subscriptions, tokens from /dev/token.
// Nothing taken from the URL or the API is ever parsed as HTML: text goes in through
// textContent (el() below), and the page's Content-Security-Policy runs no inline script.
const endpoint = new URL("/graphql", location.href);
const socketUrl = endpoint.href.replace(/^http/, "ws");
const state = { customerToken: null, staffToken: null, webSession: null, appSession: null, products: [], stock: {}, store: "s1", tillHolds: [] };
const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "className") element.className = value;
    else if (name.startsWith("data-")) element.dataset[name.slice(5).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = value;
    else element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return element;
}

/** The API's id grammar (printable, at most 128 characters): a URL parameter outside it is not used. */
const ID_GRAMMAR = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]{1,128}$/u;
function idParam(params, name, fallback) {
  const value = params.get(name);
  return value !== null && ID_GRAMMAR.test(value) ? value : fallback;
}

function log(pane, text, delayMs) {
  const time = new Date().toISOString().substring(11, 23);
  const row = el("div", {}, el("span", {}, time), ` [${pane}] ${text}`,
    delayMs === undefined ? null : " ", delayMs === undefined ? null : el("span", {}, `(${Math.max(0, Math.round(delayMs))} ms)`));
  $("log").insertBefore(row, $("log").children[1] || null);
}

async function token(body) {
  const response = await fetch("/dev/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`dev token refused: ${response.status}`);
  return (await response.json()).token;
}

async function gql(query, variables, authToken) {
  const headers = { "content-type": "application/json", accept: "application/graphql-response+json" };
  if (authToken) headers.authorization = `Bearer ${authToken}`;
  const response = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors && body.errors.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

/** A small graphql-transport-ws client: one socket, many subscriptions. */
class LiveSocket {
  constructor(authToken) {
    this.handlers = new Map();
    this.next = 1;
    this.ready = new Promise((resolve, reject) => {
      this.ws = new WebSocket(socketUrl, "graphql-transport-ws");
      this.ws.onopen = () => this.ws.send(JSON.stringify({ type: "connection_init", payload: authToken ? { Authorization: `Bearer ${authToken}` } : {} }));
      this.ws.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "connection_ack") resolve();
        else if (message.type === "ping") this.ws.send(JSON.stringify({ type: "pong" }));
        else if (message.type === "next") this.handlers.get(message.id)?.(message.payload);
        else if (message.type === "error") log("socket", `subscription error: ${JSON.stringify(message.payload)}`);
      };
      this.ws.onclose = (event) => { log("socket", `closed ${event.code} ${event.reason}`); reject(new Error("socket closed")); };
    });
  }
  async subscribe(query, variables, onData) {
    await this.ready;
    const id = String(this.next++);
    this.handlers.set(id, (payload) => onData(payload.data, payload.errors));
    this.ws.send(JSON.stringify({ id, type: "subscribe", payload: { query, variables } }));
    return id;
  }
  complete(id) {
    if (!this.handlers.delete(id)) return;
    this.ws.send(JSON.stringify({ id, type: "complete" }));
  }
}

const STOCK_FIELDS = "sku storeId onHand reserved available version updatedAt";
const CART_FIELDS = "id version itemCount subtotal currency checkedOut updatedAt lastChangedBy lines { id sku quantity fulfillment storeId reservationId reservedUntil lineTotal product { name } }";

function badgeClass(n) { return n <= 0 ? "out" : n < 5 ? "low" : "ok"; }

function renderProducts() {
  const store = state.store;
  $("products").replaceChildren();
  for (const p of state.products) {
    const levels = state.stock[p.sku] || {};
    const online = Object.values(levels).filter((l) => state.shipping.has(l.storeId)).reduce((sum, l) => sum + l.available, 0);
    const here = levels[store]?.available ?? 0;
    const deliver = el("button", { "data-add": "SHIP" }, "Deliver");
    const pickUp = el("button", { className: "secondary", "data-add": "PICKUP" }, "Pick up");
    deliver.onclick = () => addToCart(p.sku, "SHIP");
    pickUp.onclick = () => addToCart(p.sku, "PICKUP");
    $("products").appendChild(el("div", { className: "product", "data-sku": p.sku },
      el("div", {},
        el("div", { className: "name" }, p.name),
        el("div", { className: "sku" }, `${p.sku} · ${p.unitPrice.toFixed(2)} ${p.currency}`),
        el("div", { className: "badges" },
          el("span", { className: `badge ${badgeClass(online)}`, "data-badge": "online" }, `online ${online}`),
          " ",
          el("span", { className: `badge ${badgeClass(here)}`, "data-badge": "store" }, `${store} ${here}`))),
      el("div", { className: "actions" }, deliver, pickUp)));
  }
  renderTillStock();
}

async function addToCart(sku, kind) {
  const sent = performance.now();
  try {
    const data = await gql(`mutation($cartId: ID!, $sku: ID!, $f: FulfillmentInput, $session: ID) {
        addCartLine(cartId: $cartId, sku: $sku, quantity: 1, fulfillment: $f, sessionId: $session) { cart { id version } errors { code message } } }`,
      { cartId: state.webSession.cartId, sku, f: { kind, storeId: kind === "PICKUP" ? state.store : null }, session: state.webSession.id },
      state.customerToken);
    const errors = data.addCartLine.errors;
    if (errors.length) {
      $("web-message").className = "message error";
      $("web-message").textContent = `${errors[0].code}: ${errors[0].message}`;
      log("web", `add ${sku} refused: ${errors[0].code}`, performance.now() - sent);
    } else {
      $("web-message").className = "message ok";
      $("web-message").textContent = `added ${sku} (${kind === "SHIP" ? "delivery" : "pickup at " + state.store}) · cart v${data.addCartLine.cart.version}`;
      log("web", `added ${sku}, cart v${data.addCartLine.cart.version}`, performance.now() - sent);
    }
  } catch (e) {
    $("web-message").className = "message error";
    $("web-message").textContent = e.message;
  }
}

function renderCart(cart) {
  const now = Date.now();
  $("cart-lines").replaceChildren(...cart.lines.map((l) => {
    const until = l.reservedUntil ? new Date(l.reservedUntil).getTime() : null;
    const hold = l.reservationId && until > now
      ? `held ${Math.round((until - now) / 1000)} s more at ${l.storeId}`
      : el("span", { className: "lapsed" }, "hold lapsed");
    return el("div", { className: "line", "data-line": l.sku },
      el("div", {}, el("b", {}, `${l.quantity} × ${l.product?.name ?? l.sku}`)),
      el("div", { className: "meta" }, `${l.sku} · ${l.fulfillment === "SHIP" ? "delivery" : "pickup"} · `, hold,
        ` · ${l.lineTotal.toFixed(2)} ${cart.currency}`));
  }));
  $("cart-totals").textContent = `${cart.itemCount} items · ${cart.subtotal.toFixed(2)} ${cart.currency} · v${cart.version}${cart.lastChangedBy ? " · last change from " + cart.lastChangedBy : ""}`;
}

function renderTillStock() {
  const sku = $("till-sku").value;
  const level = state.stock[sku]?.[state.store];
  $("till-stock").textContent = level ? `${sku} at ${state.store}: ${level.onHand} on hand, ${level.reserved} held, ${level.available} available` : "";
}

async function till(mutation, variables, describe) {
  const sent = performance.now();
  try {
    const data = await gql(mutation, variables, state.staffToken);
    const payload = Object.values(data)[0];
    if (payload.errors.length) {
      $("till-message").className = "message error";
      $("till-message").textContent = `${payload.errors[0].code}: ${payload.errors[0].message}`;
      log("till", `${describe} refused: ${payload.errors[0].code}`, performance.now() - sent);
      return null;
    }
    $("till-message").className = "message ok";
    $("till-message").textContent = `${describe}: done`;
    log("till", describe, performance.now() - sent);
    return payload;
  } catch (e) {
    $("till-message").className = "message error";
    $("till-message").textContent = e.message;
    return null;
  }
}

function newId(prefix) { return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`; }

$("till-reserve").onclick = async () => {
  const sku = $("till-sku").value, reservationId = newId("pos");
  const done = await till(`mutation($s: ID!, $k: ID!, $r: ID!) { reserveStock(storeId: $s, sku: $k, quantity: 1, reservationId: $r, ttlSeconds: 600) { reservation { id } errors { code message } } }`,
    { s: state.store, k: sku, r: reservationId }, `reserve 1 × ${sku}`);
  if (done) state.tillHolds.push({ sku, reservationId });
};
$("till-commit").onclick = async () => {
  const hold = state.tillHolds.shift();
  if (!hold) { $("till-message").textContent = "no reservation to sell: reserve first"; return; }
  await till(`mutation($s: ID!, $k: ID!, $r: ID!) { commitReservation(storeId: $s, sku: $k, reservationId: $r) { stock { available } errors { code message } } }`,
    { s: state.store, k: hold.sku, r: hold.reservationId }, `sell reserved ${hold.sku}`);
};
$("till-sell-all").onclick = async () => {
  const sku = $("till-sku").value, available = state.stock[sku]?.[state.store]?.available ?? 0;
  if (available <= 0) { $("till-message").textContent = `nothing available to sell at ${state.store}`; return; }
  await till(`mutation($s: ID!, $k: ID!, $q: Int!, $id: ID!) { recordSale(storeId: $s, sku: $k, quantity: $q, saleId: $id) { stock { available } errors { code message } } }`,
    { s: state.store, k: sku, q: available, id: newId("sale") }, `sell ${available} × ${sku}`);
};
$("till-sku").onchange = () => { renderTillStock(); watchMovements(); };

// The till's last movements of the selected SKU: the page of the ledger first, then live (stockMoved).
const MOVEMENT_FIELDS = "sku version kind onHandDelta reservedDelta onHandAfter reservedAfter reference actor reason at";
const SHOWN_MOVEMENTS = 8;
state.movements = [];
function renderMovements() {
  $("till-movements").replaceChildren(...state.movements.slice().reverse().map((m) => el("div", { className: "line movement", "data-version": m.version },
    el("div", {}, `v${m.version} ${m.kind} ${m.onHandDelta >= 0 ? "+" : ""}${m.onHandDelta} on hand, ${m.reservedDelta >= 0 ? "+" : ""}${m.reservedDelta} held → ${m.onHandAfter} / ${m.reservedAfter}`),
    el("div", { className: "meta" }, `${m.actor} · ${m.reference}${m.reason ? " · " + m.reason : ""} · ${new Date(m.at).toLocaleTimeString()}`))));
}
function keepMovement(m) {
  if (state.movements.some((known) => known.version >= m.version)) return false;
  state.movements = [...state.movements, m].slice(-SHOWN_MOVEMENTS);
  return true;
}
async function watchMovements() {
  const sku = $("till-sku").value, watching = ++state.movementWatch;
  state.movements = [];
  $("till-movements-sku").textContent = sku ? `${sku} at ${state.store}` : "";
  renderMovements();
  if (!sku) return;
  const version = state.stock[sku]?.[state.store]?.version ?? 0;
  const page = (await gql(`query($s: ID!, $k: ID!, $after: Int!) { stockMovements(storeId: $s, sku: $k, afterVersion: $after, first: ${SHOWN_MOVEMENTS}) { ${MOVEMENT_FIELDS} } }`,
    { s: state.store, k: sku, after: Math.max(0, version - SHOWN_MOVEMENTS) }, state.staffToken)).stockMovements;
  if (watching !== state.movementWatch) return;
  page.forEach(keepMovement);
  renderMovements();
  state.movementSocket ||= new LiveSocket(state.staffToken);
  if (state.movementSubscription) state.movementSocket.complete(state.movementSubscription);
  state.movementSubscription = await state.movementSocket.subscribe(`subscription($s: ID!, $k: ID!) { stockMoved(storeId: $s, sku: $k) { ${MOVEMENT_FIELDS} } }`, { s: state.store, k: sku }, (data) => {
    const m = data?.stockMoved;
    if (!m || m.sku !== $("till-sku").value || !keepMovement(m)) return;
    renderMovements();
    log("till", `movement ${m.sku} v${m.version} ${m.kind} by ${m.actor}`, Date.now() - new Date(m.at).getTime());
  });
}
state.movementWatch = 0;

// ------------------------------------------------------------------ click & collect
const ORDER_FIELDS = "id version status placedAt total currency channel fulfillments { id kind storeId status collectBy updatedAt lines { sku quantity } }";
state.orders = new Map();   // the shopper's orders (app pane), by id
state.queue = new Map();    // the till store's pickup queue, by order id

$("web-checkout").onclick = async () => {
  if (!state.cart || state.cart.itemCount === 0) { $("web-message").textContent = "the cart is empty"; return; }
  const sent = performance.now();
  try {
    const data = await gql(`mutation($cartId: ID!, $key: ID!) { checkout(cartId: $cartId, idempotencyKey: $key) { order { ${ORDER_FIELDS} } errors { code message } } }`,
      { cartId: state.cart.id, key: newId("checkout") }, state.customerToken);
    const { order, errors } = data.checkout;
    if (errors.length) {
      $("web-message").className = "message error";
      $("web-message").textContent = `${errors[0].code}: ${errors[0].message}`;
      return;
    }
    $("web-message").className = "message ok";
    $("web-message").textContent = `order ${order.id.substring(0, 8)}… placed`;
    log("web", `checkout: order ${order.id.substring(0, 8)}… ${order.status}`, performance.now() - sent);
    watchOrder(order);
  } catch (e) {
    $("web-message").className = "message error";
    $("web-message").textContent = e.message;
  }
};

/** The app pane follows each order the shopper placed: every change, in version order. */
function watchOrder(order) {
  showOrder(order);
  state.appSocket.subscribe(`subscription($id: ID!) { orderUpdated(orderId: $id) { ${ORDER_FIELDS} } }`, { id: order.id }, (data) => {
    const changed = data?.orderUpdated;
    if (!changed) return;
    const known = state.orders.get(changed.id);
    if (known && known.version >= changed.version) return;
    showOrder(changed);
    log("app", `order ${changed.id.substring(0, 8)}… ${changed.status} (v${changed.version})`, Date.now() - new Date(latestUpdate(changed)).getTime());
  });
}

function latestUpdate(order) {
  return order.fulfillments.map((f) => f.updatedAt).sort().pop() || order.placedAt;
}

function describeFulfillment(f) {
  return `${f.kind === "PICKUP" ? "pickup at " + f.storeId : "delivery from " + f.storeId}: ${f.status}`;
}

function showOrder(order) {
  state.orders.set(order.id, order);
  $("orders").replaceChildren(...[...state.orders.values()].reverse().map((o) =>
    el("div", { className: "order", "data-order": o.id, "data-status": o.status },
      el("div", {},
        el("b", {}, `${o.id.substring(0, 8)}… `), el("span", { className: "status" }, o.status),
        el("div", { className: "meta" }, o.fulfillments.map(describeFulfillment).join(" · "))),
      el("div", { className: "meta" }, `${o.total.toFixed(2)} ${o.currency} · v${o.version}`))));
}

/** The till's pickup queue: orders with a pickup at this store that is open or ready. */
function renderQueue() {
  const waiting = [...state.queue.values()]
    .map((o) => ({ order: o, pickup: o.fulfillments.find((f) => f.kind === "PICKUP" && f.storeId === state.store) }))
    .filter((e) => e.pickup && (e.pickup.status === "OPEN" || e.pickup.status === "READY_FOR_PICKUP"))
    .sort((a, b) => a.order.placedAt.localeCompare(b.order.placedAt));
  $("pickup-count").textContent = `${waiting.length} waiting`;
  $("pickup-queue").replaceChildren(...waiting.map(({ order, pickup }) => {
    const ready = pickup.status === "READY_FOR_PICKUP";
    const button = el("button", { className: ready ? "" : "secondary", "data-action": ready ? "handover" : "ready" }, ready ? "Hand over" : "Mark ready");
    button.onclick = () => movePickup(ready ? "confirmPickup" : "markReadyForPickup", order.id, pickup.id, ready ? "hand over" : "mark ready");
    return el("div", { className: "order", "data-order": order.id, "data-status": pickup.status },
      el("div", {},
        el("b", {}, `${order.id.substring(0, 8)}… `), el("span", { className: "status" }, pickup.status),
        el("div", { className: "meta" }, pickup.lines.map((l) => `${l.quantity} × ${l.sku}`).join(", "),
          pickup.collectBy ? ` · collect by ${pickup.collectBy.substring(0, 16).replace("T", " ")}` : "")),
      el("div", { className: "actions" }, button));
  }));
}

function queued(order) {
  const known = state.queue.get(order.id);
  if (known && known.version >= order.version) return false;
  state.queue.set(order.id, order);
  renderQueue();
  return true;
}

async function movePickup(mutation, orderId, fulfillmentId, describe) {
  const payload = await till(`mutation($o: ID!, $f: ID!) { ${mutation}(orderId: $o, fulfillmentId: $f) { order { ${ORDER_FIELDS} } errors { code message } } }`,
    { o: orderId, f: fulfillmentId }, `${describe} ${orderId.substring(0, 8)}…`);
  if (payload?.order) queued(payload.order);
}

async function startPickupQueue() {
  const list = `query($s: ID!, $status: FulfillmentStatus) { pickupOrders(storeId: $s, status: $status, first: 200) { ${ORDER_FIELDS} } }`;
  for (const status of ["OPEN", "READY_FOR_PICKUP"]) {
    for (const order of (await gql(list, { s: state.store, status }, state.staffToken)).pickupOrders) queued(order);
  }
  renderQueue();
  const counter = new LiveSocket(state.staffToken);
  await counter.subscribe(`subscription($s: ID!) { pickupQueueUpdated(storeId: $s) { ${ORDER_FIELDS} } }`, { s: state.store }, (data) => {
    const order = data?.pickupQueueUpdated;
    if (order && queued(order)) log("till", `pickup queue: order ${order.id.substring(0, 8)}… v${order.version}`, Date.now() - new Date(latestUpdate(order)).getTime());
  });
}

// ------------------------------------------------------------------ wallet and timeline
const WALLET_FIELDS = "customerId balance currency points version updatedAt";
const ENTRY_FIELDS = "id at kind channel storeId amount points summary";
state.timeline = new Map();   // the shopper's timeline entries, by id

function renderWallet(target, wallet) {
  $(target).textContent = `${wallet.balance.toFixed(2)} ${wallet.currency} · ${wallet.points} points`;
  $(target + "-version").textContent = `v${wallet.version}`;
  $(target).dataset.version = String(wallet.version);
}

function showEntry(entry) {
  if (state.timeline.has(entry.id)) return false;
  state.timeline.set(entry.id, entry);
  const newest = [...state.timeline.values()].sort((a, b) => b.at.localeCompare(a.at)).slice(0, 20);
  $("timeline").replaceChildren(...newest.map((e) => el("div", { className: "line", "data-entry": e.kind },
    el("div", {}, el("b", {}, e.kind), " ", e.summary),
    el("div", { className: "meta" }, `${e.at.substring(11, 19)}${e.channel ? " · " + e.channel : ""}${e.points ? " · " + e.points + " points" : ""}`))));
  return true;
}

async function startWallet(customer) {
  // The app: the shopper's wallet and timeline, live; a top-up from the app.
  await state.appSocket.subscribe(`subscription { myWalletUpdated { ${WALLET_FIELDS} } }`, {}, (data) => {
    const wallet = data?.myWalletUpdated;
    if (!wallet) return;
    renderWallet("wallet", wallet);
    log("app", `wallet v${wallet.version}: ${wallet.balance.toFixed(2)} ${wallet.currency}, ${wallet.points} points`, Date.now() - new Date(wallet.updatedAt).getTime());
  });
  for (const entry of (await gql(`{ me { timeline(first: 20) { ${ENTRY_FIELDS} } } }`, {}, state.customerToken)).me.timeline) showEntry(entry);
  await state.appSocket.subscribe(`subscription { myTimelineUpdated { ${ENTRY_FIELDS} } }`, {}, (data) => {
    const entry = data?.myTimelineUpdated;
    if (entry && showEntry(entry)) log("app", `timeline: ${entry.kind} ${entry.summary}`, Date.now() - new Date(entry.at).getTime());
  });
  $("app-topup").onclick = async () => {
    const data = await gql(`mutation($k: ID!) { topUpWallet(amount: 10, idempotencyKey: $k) { wallet { version } errors { code message } } }`, { k: newId("topup") }, state.customerToken);
    if (data.topUpWallet.errors.length) log("app", `top-up refused: ${data.topUpWallet.errors[0].code}`);
  };
  // The till: the same wallet, live, as the till sees it; charge it, or sell to the shopper for points.
  const counter = new LiveSocket(state.staffToken);
  await counter.subscribe(`subscription($c: ID!) { walletUpdated(customerId: $c) { ${WALLET_FIELDS} } }`, { c: customer }, (data) => {
    const wallet = data?.walletUpdated;
    if (!wallet) return;
    renderWallet("till-wallet", wallet);
    log("till", `wallet of ${customer} v${wallet.version}: ${wallet.balance.toFixed(2)} ${wallet.currency}`, Date.now() - new Date(wallet.updatedAt).getTime());
  });
  $("till-charge").onclick = () => till(`mutation($c: ID!, $s: ID!, $id: ID!) { chargeWallet(customerId: $c, storeId: $s, amount: 5, chargeId: $id) { wallet { balance } errors { code message } } }`,
    { c: customer, s: state.store, id: newId("charge") }, `charge 5.00 to ${customer}`);
  $("till-sale-customer").onclick = () => till(`mutation($s: ID!, $k: ID!, $id: ID!, $c: ID) { recordSale(storeId: $s, sku: $k, quantity: 1, saleId: $id, customerId: $c) { stock { available } errors { code message } } }`,
    { s: state.store, k: $("till-sku").value, id: newId("sale"), c: customer }, `sell 1 × ${$("till-sku").value} to ${customer}`);
}

async function start() {
  const params = new URLSearchParams(location.search);
  const customer = idParam(params, "customer", "demo-shopper");
  const stores = (await gql("{ stores { id name kind shipsOnline pickupEnabled } }")).stores;
  state.shipping = new Set(stores.filter((s) => s.shipsOnline).map((s) => s.id));
  const pickup = stores.filter((s) => s.pickupEnabled);
  // Only a store the API lists with pickup: anything else in the URL falls back to the first.
  const wanted = idParam(params, "store", null);
  state.store = pickup.some((s) => s.id === wanted) ? wanted : pickup[0]?.id || "s1";
  $("store").replaceChildren(...pickup.map((s) => {
    const option = el("option", { value: s.id }, s.name);
    option.selected = s.id === state.store;
    return option;
  }));
  $("store").onchange = () => { location.search = new URLSearchParams({ store: $("store").value, customer }).toString(); };

  state.customerToken = await token({ role: "CUSTOMER", customerId: customer });
  state.staffToken = await token({ role: "STAFF", storeId: state.store });
  $("who").textContent = `shopper ${customer} · till staff of ${state.store}`;
  $("till-store").textContent = `staff of ${state.store}`;

  const asked = Number.parseInt(params.get("products") || "8", 10);
  const first = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), 200) : 8;
  state.products = (await gql(`query($n: Int!) { products(first: $n) { sku name unitPrice currency } }`, { n: first })).products;
  const availability = (await gql(`query($skus: [ID!]!) { availabilities(skus: $skus) { sku locations { ${STOCK_FIELDS} } } }`,
    { skus: state.products.map((p) => p.sku) })).availabilities;
  for (const a of availability) state.stock[a.sku] = Object.fromEntries(a.locations.map((l) => [l.storeId, l]));
  $("till-sku").replaceChildren(...state.products.map((p) => el("option", { value: p.sku }, p.sku)));
  renderProducts();

  const start = `mutation($c: Channel!) { startSession(channel: $c) { session { id cartId } errors { code message } } }`;
  state.webSession = (await gql(start, { c: "WEB" }, state.customerToken)).startSession.session;
  state.appSession = (await gql(start, { c: "APP" }, state.customerToken)).startSession.session;

  // The storefront and till watch stock; the app watches the shopper's cart. Each its own socket.
  const web = new LiveSocket(null);
  for (const p of state.products) {
    web.subscribe(`subscription($sku: ID!) { stockChanged(sku: $sku) { ${STOCK_FIELDS} } }`, { sku: p.sku }, (data) => {
      const level = data?.stockChanged;
      if (!level) return;
      const known = state.stock[level.sku]?.[level.storeId];
      if (known && known.version >= level.version) return;
      (state.stock[level.sku] ||= {})[level.storeId] = level;
      renderProducts();
      log("web", `stock ${level.sku} at ${level.storeId}: ${level.available} available (v${level.version})`, Date.now() - new Date(level.updatedAt).getTime());
    });
  }
  const app = new LiveSocket(state.customerToken);
  state.appSocket = app;
  let seen = -1;
  await app.subscribe(`subscription { myCartUpdated { ${CART_FIELDS} } }`, {}, (data) => {
    const cart = data?.myCartUpdated;
    if (!cart || cart.version <= seen) return;
    seen = cart.version;
    state.cart = cart;
    renderCart(cart);
    $("app-status").textContent = `live · cart ${cart.id.substring(0, 8)}…`;
    log("app", `cart v${cart.version}: ${cart.itemCount} items${cart.lastChangedBy ? " (from " + cart.lastChangedBy + ")" : ""}`, Date.now() - new Date(cart.updatedAt).getTime());
  });
  await startPickupQueue();
  await watchMovements();
  await startWallet(customer);
  // Hold countdowns move on their own between events.
  setInterval(() => state.cart && renderCart(state.cart), 1000);
  document.body.dataset.ready = "true";
}

start().catch((e) => { $("who").textContent = `failed to start: ${e.message}`; document.body.dataset.ready = "error"; });
