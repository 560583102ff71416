"""paho publishes COUNT messages at QOS to itself through the broker and checks each arrives
once, in order, at QOS. Usage: paho_pubsub.py PORT VERSION(311|5) QOS TOPIC"""
import sys
import time

from paho_common import connect, fail, make_client, say, subscribe, wait_messages

COUNT = 5
port, version, qos, topic = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = make_client("paho-pubsub-%d" % time.monotonic_ns(), version)
connect(c, port, version)
subscribe(c, topic, qos)
for i in range(COUNT):
    info = c.publish(topic, b"msg-%d" % i, qos=qos)
    info.wait_for_publish(10)
    if not info.is_published():
        fail("publish %d not acknowledged" % i)
msgs = wait_messages(c, COUNT)
for i, m in enumerate(msgs):
    if m.payload != b"msg-%d" % i or m.qos != qos or m.topic != topic:
        fail("message %d: topic=%s payload=%r qos=%d" % (i, m.topic, m.payload, m.qos))
time.sleep(0.3)
if len(c.messages) != COUNT:
    fail("duplicates: %d messages" % len(c.messages))
c.disconnect()
c.loop_stop()
say("received", COUNT)
