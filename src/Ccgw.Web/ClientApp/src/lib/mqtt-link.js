// One MQTT connection from a page to ccgw's broker over WebSocket (/mqtt on the page's own origin), with mqtt.js's
// reconnect. The page learns online/offline through onState so it can say so instead of looking frozen.
import mqtt from 'mqtt';

export function connectMqtt({ username, password, clientId, onState, onMessage }) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const client = mqtt.connect(`${scheme}://${location.host}/mqtt`, {
    protocolVersion: 5,
    username,
    password,
    clientId,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
  });
  client.on('connect', () => onState?.('online'));
  client.on('reconnect', () => onState?.('reconnecting'));
  client.on('offline', () => onState?.('offline'));
  client.on('close', () => onState?.('offline'));
  client.on('message', (topic, payload) => onMessage?.(topic, payload.toString('utf8')));
  return client;
}
