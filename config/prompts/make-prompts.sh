#!/usr/bin/env bash
# Regenerates the demo prompt set: espeak-ng speaks each text, sox turns it into
# 8 kHz mono G.711 mu-law WAV (what the IVR streams without transcoding).
# Needs Debian's espeak-ng and sox. The texts are also the IM channel's wording (config/ccgw.json).
set -euo pipefail
cd "$(dirname "$0")"
say() { # name text...
  local name=$1; shift
  espeak-ng -v en-us -s 150 -w "/tmp/ccgw-$name.wav" "$*"
  sox "/tmp/ccgw-$name.wav" -r 8000 -c 1 -e mu-law -b 8 "$name.wav"
  rm -f "/tmp/ccgw-$name.wav"
}
say welcome   "Welcome to the demo contact centre."
say menu      "For sales, press 1. For billing, press 2. To be called back, press 9."
say invalid   "Sorry, that is not an option."
say queued    "Thank you. All our agents are busy. Please hold, you will be answered shortly."
say callback  "Thank you. We will call you back as soon as an agent is free."
say goodbye   "Goodbye."
# Queue announcements: "You are caller number 3. Your estimated waiting time is 2 minutes."
say position  "You are caller number"
say wait      "Your estimated waiting time is"
say minutes   "minutes."
say less-than-a-minute "less than one minute."
# Call-backs: the customer hears the greeting on answer (customer-first); the agent hears the other while the customer's phone rings (agent-first).
say callback-greeting "Hello, this is the demo contact centre returning your call. Please hold, an agent will be with you in a moment."
say callback-agent "Call back. Dialling the customer now."
# Spoken numbers for the announcements: 0-20 and the tens; 21-99 are said as tens and units.
mkdir -p numbers
for n in $(seq 0 20) 30 40 50 60 70 80 90; do
  espeak-ng -v en-us -s 160 -w "/tmp/ccgw-n$n.wav" "$n"
  sox "/tmp/ccgw-n$n.wav" -r 8000 -c 1 -e mu-law -b 8 "numbers/$n.wav"
  rm -f "/tmp/ccgw-n$n.wav"
done
# Music on hold: a soft two-tone chime, 4 seconds, looped by the player.
sox -n -r 8000 -c 1 -e mu-law -b 8 hold.wav synth 2 sine 440 sine 554 remix - fade 0.1 2 0.4 gain -12 repeat 1
