"""Persistent session with paho. Phase "subscribe": connect without clean session, subscribe
QoS 1, disconnect. Phase "receive": reconnect, print "session-present N", then each payload
received within the wait as "message PAYLOAD" until COUNT arrived.
Usage: paho_session.py PORT VERSION(311|5) CLIENT_ID TOPIC PHASE [COUNT]"""
import sys

from paho_common import connect, fail, make_client, say, subscribe, wait_messages

port, version, client_id, topic, phase = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
c = make_client(client_id, version, clean=False)
flags = connect(c, port, version, clean=False, session_expiry=300)
if phase == "subscribe":
    subscribe(c, topic, 1)
    say("subscribed")
elif phase == "receive":
    say("session-present", int(flags.get("session present", 0)))
    for m in wait_messages(c, int(sys.argv[6])):
        say("message", m.payload.decode(), "qos", m.qos)
else:
    fail("unknown phase " + phase)
c.disconnect()
c.loop_stop()
