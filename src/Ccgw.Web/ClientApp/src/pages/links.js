// The two browser transports on their own, for pages that only need a connection and for the browser tests that
// prove /mqtt and /xmpp work from Chromium with the same libraries the consoles use.
import { connectMqtt } from '../lib/mqtt-link.js';
import { connectXmpp } from '../lib/xmpp-link.js';

window.ccgwLinks = { connectMqtt, connectXmpp };
