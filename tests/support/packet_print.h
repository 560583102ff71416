// Readable text for packets in test failure output: QDebug operators and QTest::toString
// overloads (found by ADL, so QCOMPARE on two packets prints both sides).
#pragma once

#include "packets/packets.h"

#include <QByteArray>
#include <QDebug>

namespace petrel::packets {

// One line per packet, e.g. PUBLISH{qos=1 id=3 dup=0 retain=0 topic="a/b" payload="hi" props{...}}.
QByteArray describe(const Packet &p);
QByteArray describe(const Properties &p);
QByteArray describe(const Connect &p);
QByteArray describe(const Connack &p);
QByteArray describe(const Publish &p);
QByteArray describe(const Ack &p);
QByteArray describe(const Subscribe &p);
QByteArray describe(const SubackLike &p);
QByteArray describe(const Unsubscribe &p);
QByteArray describe(const Disconnect &p);
QByteArray describe(const Auth &p);

QDebug operator<<(QDebug d, const Packet &p);
QDebug operator<<(QDebug d, const Properties &p);
QDebug operator<<(QDebug d, const Connect &p);
QDebug operator<<(QDebug d, const Connack &p);
QDebug operator<<(QDebug d, const Publish &p);
QDebug operator<<(QDebug d, const Ack &p);
QDebug operator<<(QDebug d, const Subscribe &p);
QDebug operator<<(QDebug d, const SubackLike &p);
QDebug operator<<(QDebug d, const Unsubscribe &p);
QDebug operator<<(QDebug d, const Disconnect &p);

// QTest::toString overloads (the caller frees with delete[], as QTest does).
char *toString(const Packet &p);
char *toString(const Properties &p);
char *toString(const Connack &p);
char *toString(const Publish &p);
char *toString(const Ack &p);
char *toString(const SubackLike &p);
char *toString(const Disconnect &p);

} // namespace petrel::packets
