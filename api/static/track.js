/*! custgraph tracker: page, track and identify from a website to POST /v1/events.
 *
 * <script>
 *   window.custgraphConfig = {key: "COLLECTOR_KEY", source: "webshop", requireConsent: true};
 * </script>
 * <script src="https://CUSTGRAPH_HOST/v1/track.js" defer></script>
 *
 * custgraph.page(properties)             a web_visit
 * custgraph.track(event, properties)     a touchpoint (purchase, add_to_cart...; Segment names too)
 * custgraph.identify(userId, traits)     the visitor signed in: their visits join the customer
 * custgraph.consent(true | false)        with requireConsent, nothing is kept or sent before true
 * custgraph.flush()                      send what is queued now
 *
 * Events are batched (up to 20, or 1 s) and sent with sendBeacon when the page is hidden.
 * The anonymous id lives in this site's localStorage (first-party), made only once consent
 * allows. No dependencies; the key travels in the body (writeKey), as sendBeacon sends no headers.
 */
(function (window, document) {
  "use strict";
  var config = window.custgraphConfig || {};
  var script = document.currentScript;
  var endpoint = config.endpoint || (script && script.src ? new URL("/v1/events", script.src).href : "/v1/events");
  var STORAGE = "custgraph_anonymous_id";
  var BATCH = 20;
  var WAIT_MS = 1000;
  var allowed = !config.requireConsent;
  var queue = [];
  var timer = null;
  var anonymous = null;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }

  function anonymousId() {
    if (anonymous) {
      return anonymous;
    }
    try {
      anonymous = window.localStorage.getItem(STORAGE);
      if (!anonymous) {
        anonymous = newId();
        window.localStorage.setItem(STORAGE, anonymous);
      }
    } catch (blocked) {
      anonymous = anonymous || newId(); // storage refused: this page's visit only
    }
    return anonymous;
  }

  function body(events) {
    return JSON.stringify({writeKey: config.key, batch: events});
  }

  function flush(leaving) {
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
    while (queue.length) {
      var events = queue.splice(0, 100);
      // text/plain keeps the request "simple": no preflight, and sendBeacon accepts it.
      var payload = new Blob([body(events)], {type: "text/plain;charset=UTF-8"});
      if (leaving && navigator.sendBeacon && navigator.sendBeacon(endpoint, payload)) {
        continue;
      }
      if (window.fetch) {
        window.fetch(endpoint, {method: "POST", body: payload, keepalive: true, mode: "cors",
                                credentials: "omit"}).catch(function () { /* offline: dropped */ });
      }
    }
  }

  function enqueue(event) {
    if (!allowed) {
      return; // the site asks for consent first: nothing is kept or sent before it
    }
    event.messageId = newId();
    event.anonymousId = anonymousId();
    event.timestamp = new Date().toISOString();
    event.context = {page: {path: window.location.pathname, referrer: document.referrer}};
    if (config.source) {
      event.context.source = config.source;
    }
    if (config.userId && !event.userId) {
      event.userId = config.userId;
    }
    queue.push(event);
    if (queue.length >= BATCH) {
      flush(false);
    } else if (!timer) {
      timer = window.setTimeout(function () { flush(false); }, WAIT_MS);
    }
  }

  var api = {
    page: function (properties) {
      enqueue({type: "page", properties: properties || {}});
    },
    track: function (event, properties) {
      enqueue({type: "track", event: event, properties: properties || {}});
    },
    identify: function (userId, traits) {
      config.userId = String(userId);
      enqueue({type: "identify", userId: config.userId, traits: traits || {}});
    },
    consent: function (given) {
      allowed = !!given;
      if (!allowed) {
        queue = [];
        anonymous = null;
        try {
          window.localStorage.removeItem(STORAGE);
        } catch (blocked) { /* nothing was kept */ }
      }
    },
    flush: function () {
      flush(false);
    }
  };

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush(true);
    }
  });
  window.addEventListener("pagehide", function () { flush(true); });
  window.custgraph = api;
}(window, document));
