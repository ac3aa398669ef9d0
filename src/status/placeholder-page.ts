// GET /: a placeholder page until the real status page lands (a later issue). Self-contained:
// no external resources, so it works on a device with no internet. It shows the raw JSON.
import { createHash } from 'node:crypto';

// Plain DOM script, no template literals inside so it can live in this one. It passes a
// `?token=` it was opened with on to /status.json and /ws, and reconnects when the socket drops.
const script = `
(function () {
  var out = document.getElementById('status');
  var line = document.getElementById('link');
  var token = new URLSearchParams(location.search).get('token');
  var query = token ? '?token=' + encodeURIComponent(token) : '';
  function show(data) { out.textContent = JSON.stringify(data, null, 2); }
  fetch('status.json' + query, { cache: 'no-store' })
    .then(function (response) { return response.json(); })
    .then(show)
    .catch(function (error) { line.textContent = 'fetch failed: ' + error; });
  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var socket = new WebSocket(scheme + location.host + '/ws' + query);
    socket.onopen = function () { line.textContent = 'live'; };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === 'status') show(message.data);
    };
    socket.onclose = function () { line.textContent = 'disconnected, retrying'; setTimeout(connect, 2000); };
  }
  connect();
})();
`;

const scriptHash = createHash('sha256').update(script).digest('base64');

/** Only this page's own inline script may run; it may only talk back to this agent. */
export const placeholderPageCsp =
  `default-src 'none'; script-src 'sha256-${scriptHash}'; style-src 'unsafe-inline'; ` +
  `connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export const placeholderPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sensor-agent status</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:1rem}pre{background:#f4f4f4;padding:.75rem;overflow:auto}</style>
</head>
<body>
<h1>sensor-agent</h1>
<p id="link">connecting</p>
<pre id="status">loading</pre>
<script>${script}</script>
</body>
</html>
`;
