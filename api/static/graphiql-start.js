// Starts GraphiQL against this server's /graphql. Everything it loads is served by custgraph
// itself (api/static/vendor), so the page works on a machine without internet.
(function () {
  "use strict";
  var EXAMPLE = [
    "# custgraph's GraphQL API. Run with Ctrl-Enter; Ctrl-Space completes.",
    "# With API keys configured, put yours in the Headers tab below:",
    '#   {"Authorization": "Bearer YOUR-KEY"}',
    "",
    '{ funnel(steps: ["web_visit", "add_to_cart", "purchase"]) { type customers conversion dropOff } }',
    "",
  ].join("\n");
  var url = window.location.origin + window.location.pathname;
  var params = new URLSearchParams(window.location.search);
  var fetcher = GraphiQL.createFetcher({ url: url });
  function remember(name, value) {
    if (value) { params.set(name, value); } else { params.delete(name); }
    var search = params.toString();
    history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: EXAMPLE,
    query: params.get("q") || undefined,
    variables: params.get("variables") || undefined,
    defaultEditorToolsVisibility: true,
    onEditQuery: function (text) { remember("q", text); },
    onEditVariables: function (text) { remember("variables", text); },
  }));
})();
