// The consoles' MQTT link: one connection to /mqtt on the page's own origin, authenticated with a one-time token
// that the signed-in session fetches before every connection (GET /console/api/mqtt-credential), so the page never
// holds the staff member's password. mqtt.js's own reconnect would replay the spent token, so reconnecting is done
// here: after any close, wait (0.5 s doubling up to 2 s), fetch a fresh token, connect again, subscribe again.
import mqtt from 'mqtt';

export function staffLink({ subscriptions, onState, onMessage }) {
  let client = null;
  let attempt = 0;
  let stopped = false;

  async function credential() {
    const response = await fetch('/console/api/mqtt-credential', { credentials: 'same-origin', cache: 'no-store' });
    if (response.status === 401) {
      // The session ended (signed out elsewhere, expired): back to the sign-in page rather than retrying forever.
      stopped = true;
      location.assign('/console/sign-in');
      throw new Error('signed out');
    }
    if (!response.ok) throw new Error(`credential: HTTP ${response.status}`);
    return response.json();
  }

  function retry() {
    if (stopped) return;
    const delay = Math.min(2000, 500 * 2 ** attempt);
    attempt += 1;
    setTimeout(connect, delay);
  }

  async function connect() {
    if (stopped) return;
    onState('connecting');
    let cred;
    try {
      cred = await credential();
    } catch {
      onState('offline');
      retry();
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const c = mqtt.connect(`${scheme}://${location.host}/mqtt`, {
      protocolVersion: 5,
      username: cred.username,
      password: cred.password,
      clientId: cred.clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      keepalive: 15,
    });
    client = c;
    c.on('connect', () => {
      attempt = 0;
      c.subscribe(subscriptions, { qos: 1 });
      onState('online');
    });
    c.on('message', (topic, payload) => onMessage(topic, payload.toString()));
    // 'error' is always followed by 'close'; the close is where the next attempt starts.
    c.on('error', () => {});
    c.on('close', () => {
      if (client !== c) return;
      client = null;
      onState('offline');
      retry();
    });
  }

  connect();
  return {
    get online() { return client?.connected === true; },
    publish(topic, body) {
      if (!client?.connected) return false;
      client.publish(topic, JSON.stringify(body), { qos: 1 });
      return true;
    },
  };
}
