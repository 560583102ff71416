"""MQTT 5 properties through the broker, both ways. paho subscribes to TOPIC/in and publishes
to TOPIC/out with content type, response topic, correlation data, payload format and user
properties; then it prints the properties of the first message it gets on TOPIC/in as
"props KEY=VALUE ..." (user properties in order). Usage: paho_v5_properties.py PORT TOPIC"""
import sys
import time

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from paho_common import connect, make_client, say, subscribe, wait_messages

port, topic = int(sys.argv[1]), sys.argv[2]
c = make_client("paho-props-%d" % time.monotonic_ns(), "5")
connect(c, port, "5")
subscribe(c, topic + "/in", 1)
props = Properties(PacketTypes.PUBLISH)
props.ContentType = "text/plain"
props.ResponseTopic = topic + "/reply"
props.CorrelationData = b"\x01\x02corr"
props.PayloadFormatIndicator = 1
props.UserProperty = [("z", "1"), ("a", "2"), ("z", "0")]
c.publish(topic + "/out", b"from paho", qos=1, properties=props).wait_for_publish(10)
say("published")
m = wait_messages(c, 1, timeout=15)[0]
p = m.properties
parts = ["payload=" + m.payload.decode()]
parts.append("contentType=" + getattr(p, "ContentType", ""))
parts.append("responseTopic=" + getattr(p, "ResponseTopic", ""))
parts.append("correlationData=" + getattr(p, "CorrelationData", b"").hex())
for k, v in getattr(p, "UserProperty", []):
    parts.append("user:%s=%s" % (k, v))
say("props", " ".join(parts))
c.disconnect()
c.loop_stop()
