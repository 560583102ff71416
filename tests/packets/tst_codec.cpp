// Codec tests driven by the packet catalogue: decode, byte-exact encode, validation reason
// codes, incremental framing, zero-copy slices, version downgrade and size helpers.
#include "catalogue.h"

#include <QtTest>

#include <algorithm>

using namespace petrel::packets;

namespace {

QByteArray encoded(const Packet &p, ProtocolVersion v)
{
    QByteArray out;
    encodePacket(p, v, out);
    return out;
}

// The shared buffer header of a QByteArray (non-const data_ptr() does not detach).
const void *bufferOf(const QByteArray &a)
{
    return const_cast<QByteArray &>(a).data_ptr().d_ptr();
}

const char *versionName(ProtocolVersion v)
{
    switch (v) {
    case ProtocolVersion::V31:
        return "3.1";
    case ProtocolVersion::V311:
        return "3.1.1";
    case ProtocolVersion::V5:
        return "5";
    }
    return "?";
}

QByteArray failure(const CatalogueCase &c, const Error &e)
{
    return QByteArray(c.id) + " (v" + versionName(c.version) + "): " + reasonName(e.code) + ": " + e.message +
           "\n  bytes: " + c.bytes.toHex(' ');
}

// Columns shared by every catalogue-driven test.
void catalogueColumns()
{
    QTest::addColumn<int>("index");
}

template <typename Pred>
void catalogueRows(Pred pred)
{
    catalogueColumns();
    const QList<CatalogueCase> &cases = packetCatalogue();
    for (int i = 0; i < cases.size(); ++i)
        if (pred(cases[i])) QTest::newRow(cases[i].id) << i;
}

} // namespace

class tst_Codec : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void catalogueIsWellFormed();

    void decode_data()
    {
        catalogueRows([](const CatalogueCase &c) { return c.valid; });
    }
    void decode();
    void encode_data()
    {
        catalogueRows([](const CatalogueCase &c) { return c.valid && c.roundTrip; });
    }
    void encode();
    void reencode_data()
    {
        catalogueRows([](const CatalogueCase &c) { return c.valid; });
    }
    void reencode();
    void validate_data()
    {
        catalogueRows([](const CatalogueCase &c) { return !c.valid; });
    }
    void validate();

    void frameByteAtATime_data()
    {
        catalogueRows([](const CatalogueCase &c) { return c.valid; });
    }
    void frameByteAtATime();
    void truncatedBodyIsNeedMore_data()
    {
        catalogueRows([](const CatalogueCase &c) { return c.valid && c.bytes.size() > 2; });
    }
    void truncatedBodyIsNeedMore();
    void concatenatedPackets_data();
    void concatenatedPackets();
    void remainingLengthTooLong();
    void fixedHeaderFlagsEveryByte();
    void remainingLengthLimits_data();
    void remainingLengthLimits();
    void maximumSizeRefusedBeforeBody();

    void sharedSliceSharesMemory();
    void sharedSliceEdgeCases();
    void sharedSliceTakesTheReference();
    void decodedPublishSharesBody();
    void publishInPlaceAgreesWithDecoder();
    void reusedOutputIsReset();

    void v5PropertiesDroppedBeforeV5();
    void publishWireSizeMatchesEncoder_data()
    {
        catalogueRows(
            [](const CatalogueCase &c) { return c.valid && std::holds_alternative<Publish>(c.decoded); });
    }
    void publishWireSizeMatchesEncoder();
    void encodeAppends();
    void oversizedStringsAreNotEncoded();
    void publishUnderAnotherHeader();
    void ackFieldsMatchDecodeAck();
    void ackWithoutProperties();

    void utf8_data();
    void utf8();
    void topicFilters_data();
    void topicFilters();
    void topicNames();
    void varIntSizes();
    void names();
};

void tst_Codec::catalogueIsWellFormed()
{
    const QList<CatalogueCase> &cases = packetCatalogue();
    QVERIFY(cases.size() > 150);
    QSet<QByteArray> ids;
    for (const CatalogueCase &c : cases) {
        QVERIFY2(!ids.contains(c.id), c.id);
        ids.insert(c.id);
        QVERIFY2(!c.bytes.isEmpty(), c.id);
        if (!c.valid) QVERIFY2(c.expected != ReasonCode::Success, c.id);
    }
    // Every packet type has a valid case for every version it exists in.
    for (int t = 1; t <= 15; ++t) {
        for (ProtocolVersion v : {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5}) {
            if (t == 15 && v != ProtocolVersion::V5) continue;
            bool found = false;
            for (const CatalogueCase &c : cases)
                found |= c.valid && c.version == v && (quint8(c.bytes[0]) >> 4) == t;
            QVERIFY2(found, qPrintable(QStringLiteral("no valid %1 case for v%2")
                                           .arg(QLatin1String(packetTypeName(PacketType(t))),
                                                QLatin1String(versionName(v)))));
        }
    }
}

void tst_Codec::decode()
{
    QFETCH(int, index);
    const CatalogueCase &c = packetCatalogue().at(index);
    Packet got;
    qsizetype consumed = -1;
    const Error e = decodeOne(c.bytes, c.version, got, &consumed);
    QVERIFY2(!e, failure(c, e).constData());
    QCOMPARE(consumed, c.bytes.size());
    QCOMPARE(packetTypeOf(got), packetTypeOf(c.decoded));
    if (!(got == c.decoded)) {
        // Byte-level difference first: readable and points at the field.
        QCOMPARE(encoded(got, c.version).toHex(' '), encoded(c.decoded, c.version).toHex(' '));
        QFAIL("decoded value differs from the catalogue (same encoding: check defaults / present bits)");
    }
}

void tst_Codec::encode()
{
    QFETCH(int, index);
    const CatalogueCase &c = packetCatalogue().at(index);
    QByteArray out;
    const qsizetype n = encodePacket(c.decoded, c.version, out);
    QCOMPARE(out.toHex(' '), c.bytes.toHex(' '));
    QCOMPARE(n, c.bytes.size());
}

void tst_Codec::reencode()
{
    // encode(decode(bytes)) decodes to the same value, also for non-canonical inputs.
    QFETCH(int, index);
    const CatalogueCase &c = packetCatalogue().at(index);
    const QByteArray bytes = encoded(c.decoded, c.version);
    Packet again;
    const Error e = decodeOne(bytes, c.version, again);
    QVERIFY2(!e, e.message);
    QVERIFY(again == c.decoded);
}

void tst_Codec::validate()
{
    QFETCH(int, index);
    const CatalogueCase &c = packetCatalogue().at(index);
    Packet got;
    const Error e = decodeOne(c.bytes, c.version, got);
    QVERIFY2(e, (QByteArray(c.id) + " decoded without error").constData());
    if (e.code != c.expected) {
        qWarning("%s", failure(c, e).constData());
        QCOMPARE(reasonName(e.code), reasonName(c.expected));
    }
    QCOMPARE(int(e.code), int(c.expected));
    if (qEnvironmentVariableIsSet("PETREL_CODEC_VERBOSE")) qInfo("%s -> %s", c.id, e.message);
    QVERIFY2(std::strstr(e.message, "[MQTT-") != nullptr, e.message); // cites the spec
}

void tst_Codec::frameByteAtATime()
{
    QFETCH(int, index);
    const CatalogueCase &c = packetCatalogue().at(index);
    for (qsizetype i = 0; i < c.bytes.size(); ++i) {
        const Frame f = readFrame(QByteArrayView(c.bytes).first(i), 0);
        QVERIFY2(f.status == Frame::Status::NeedMore, qPrintable(QString::number(i)));
    }
    const Frame f = readFrame(c.bytes, 0);
    QCOMPARE(int(f.status), int(Frame::Status::Complete));
    QCOMPARE(qsizetype(f.totalLength()), c.bytes.size());
    QCOMPARE(f.firstByte, quint8(c.bytes[0]));
    Packet got;
    const Error e = decodePacket(f.firstByte, c.bytes.sliced(f.headerLength), c.version, got);
    QVERIFY2(!e, e.message);
    QVERIFY(got == c.decoded);
}

void tst_Codec::truncatedBodyIsNeedMore()
{
    // decodeOne on a cut packet reports MalformedPacket with nothing consumed.
    QFETCH(int, index);
    const CatalogueCase &c = packetCatalogue().at(index);
    Packet got;
    qsizetype consumed = -1;
    const Error e = decodeOne(c.bytes.first(c.bytes.size() - 1), c.version, got, &consumed);
    QCOMPARE(int(e.code), int(ReasonCode::MalformedPacket));
    QCOMPARE(consumed, qsizetype(0));
}

void tst_Codec::concatenatedPackets_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::newRow("v3") << ProtocolVersion::V31;
    QTest::newRow("v4") << ProtocolVersion::V311;
    QTest::newRow("v5") << ProtocolVersion::V5;
}

void tst_Codec::concatenatedPackets()
{
    QFETCH(ProtocolVersion, version);
    QByteArray stream;
    QList<const CatalogueCase *> expected;
    for (const CatalogueCase &c : packetCatalogue()) {
        if (c.valid && c.version == version && quint8(c.bytes[0]) >> 4 != 1) { // one CONNECT-free stream
            stream += c.bytes;
            expected.append(&c);
        }
    }
    QVERIFY(expected.size() > 10);
    // Feed the stream in uneven chunks, as a socket would, parsing every whole packet.
    QByteArray buffer;
    int next = 0;
    qsizetype fed = 0;
    const qsizetype chunks[] = {1, 7, 64, 3, 1000, 2};
    int chunk = 0;
    while (fed < stream.size()) {
        const qsizetype n = qMin(chunks[chunk++ % 6], stream.size() - fed);
        buffer += stream.mid(fed, n);
        fed += n;
        for (;;) {
            const Frame f = readFrame(buffer, 0);
            QVERIFY(f.status != Frame::Status::Error);
            if (f.status == Frame::Status::NeedMore) break;
            const QByteArray body = buffer.mid(f.headerLength, f.remainingLength);
            Packet got;
            const Error e = decodePacket(f.firstByte, body, version, got);
            QVERIFY2(!e, e.message);
            QVERIFY(next < expected.size());
            QVERIFY2(got == expected[next]->decoded, expected[next]->id);
            ++next;
            buffer.remove(0, f.totalLength());
        }
    }
    QCOMPARE(next, expected.size());
    QVERIFY(buffer.isEmpty());
}

// Every possible first byte against the table of [MQTT-2.1.3-1] (and PUBLISH's QoS 3 and
// DUP-at-QoS-0 rules): the inline check and the reason it gives agree with the spec.
void tst_Codec::fixedHeaderFlagsEveryByte()
{
    for (int b = 0; b < 256; ++b) {
        const int type = b >> 4, flags = b & 0x0F;
        bool valid = false;
        if (type == 3) {
            const int qos = (flags >> 1) & 3;
            valid = qos != 3 && !(qos == 0 && (flags & 0x08));
        } else if (type == 6 || type == 8 || type == 10) {
            valid = flags == 2;
        } else {
            valid = type != 0 && flags == 0;
        }
        const Error e = checkFixedHeaderFlags(std::uint8_t(b));
        QVERIFY2(bool(e) == !valid, qPrintable(QStringLiteral("first byte 0x%1").arg(b, 2, 16, QChar(u'0'))));
        if (e) QCOMPARE(e.code, ReasonCode::MalformedPacket);
    }
}

void tst_Codec::remainingLengthTooLong()
{
    // Five length bytes: malformed as soon as the fourth has its continuation bit.
    const QByteArray five = QByteArray::fromHex("30ffffffff7f");
    for (qsizetype n = 5; n <= five.size(); ++n) {
        const Frame f = readFrame(QByteArrayView(five).first(n), 0);
        QCOMPARE(int(f.status), int(Frame::Status::Error));
        QCOMPARE(int(f.error.code), int(ReasonCode::MalformedPacket));
    }
    QCOMPARE(int(readFrame(QByteArrayView(five).first(4), 0).status), int(Frame::Status::NeedMore));
}

void tst_Codec::remainingLengthLimits_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<quint32>("remaining");
    QTest::addColumn<quint32>("headerLength");
    QTest::newRow("0") << QByteArray::fromHex("3000") << 0u << 2u;
    QTest::newRow("127") << QByteArray::fromHex("307f") << 127u << 2u;
    QTest::newRow("128") << QByteArray::fromHex("308001") << 128u << 3u;
    QTest::newRow("16383") << QByteArray::fromHex("30ff7f") << 16383u << 3u;
    QTest::newRow("16384") << QByteArray::fromHex("30808001") << 16384u << 4u;
    QTest::newRow("2097151") << QByteArray::fromHex("30ffff7f") << 2097151u << 4u;
    QTest::newRow("2097152") << QByteArray::fromHex("3080808001") << 2097152u << 5u;
    QTest::newRow("268435455") << QByteArray::fromHex("30ffffff7f") << 268435455u << 5u;
    QTest::newRow("non-minimal 0") << QByteArray::fromHex("30808000") << 0u << 4u;
}

void tst_Codec::remainingLengthLimits()
{
    QFETCH(QByteArray, header);
    QFETCH(quint32, remaining);
    QFETCH(quint32, headerLength);
    const Frame f = readFrame(header, 0);
    QCOMPARE(f.remainingLength, remaining);
    QCOMPARE(f.headerLength, headerLength);
    QCOMPARE(int(f.status), remaining == 0 ? int(Frame::Status::Complete) : int(Frame::Status::NeedMore));
}

void tst_Codec::maximumSizeRefusedBeforeBody()
{
    // PUBLISH header announcing 1000 body bytes; only the 3 header bytes are here.
    const QByteArray header = QByteArray::fromHex("30e807");
    Frame f = readFrame(header, 1002);
    QCOMPARE(int(f.status), int(Frame::Status::Error));
    QCOMPARE(int(f.error.code), int(ReasonCode::PacketTooLarge));
    QCOMPARE(f.remainingLength, 1000u);
    // Exactly at the limit (header + body = 1003) is fine, and waits for the body.
    f = readFrame(header, 1003);
    QCOMPARE(int(f.status), int(Frame::Status::NeedMore));
    QCOMPARE(f.totalLength(), 1003u);
    // The largest remaining length against a small limit, header only.
    f = readFrame(QByteArray::fromHex("30ffffff7f"), 1024 * 1024);
    QCOMPARE(int(f.error.code), int(ReasonCode::PacketTooLarge));
    // 0 = no limit.
    f = readFrame(QByteArray::fromHex("30ffffff7f"), 0);
    QCOMPARE(int(f.status), int(Frame::Status::NeedMore));
}

void tst_Codec::sharedSliceSharesMemory()
{
    QByteArray whole("hello shared world");
    whole.detach();
    const QByteArray slice = sharedSlice(whole, 6, 6);
    QCOMPARE(slice, QByteArray("shared"));
    QCOMPARE(slice.constData(), whole.constData() + 6);
    QVERIFY(bufferOf(slice) == bufferOf(whole)); // same buffer, one more reference
    // The slice keeps the buffer alive.
    const char *where = whole.constData();
    whole = QByteArray();
    QCOMPARE(slice, QByteArray("shared"));
    QCOMPARE(slice.constData(), where + 6);
    // Writing to a slice detaches it and leaves the buffer alone.
    QByteArray copy = slice;
    copy[0] = 'S';
    QCOMPARE(slice, QByteArray("shared"));
}

void tst_Codec::sharedSliceEdgeCases()
{
    const QByteArray whole("abc");
    QVERIFY(sharedSlice(QByteArray(), 0, 0).isEmpty());
    QVERIFY(sharedSlice(QByteArray(""), 0, 0).isEmpty());
    QVERIFY(sharedSlice(whole, 3, 0).isEmpty());
    QVERIFY(sharedSlice(whole, 2, 5).isEmpty()); // out of range: empty, never past the end
    QVERIFY(sharedSlice(whole, -1, 1).isEmpty());
    QCOMPARE(sharedSlice(whole, 0, 3), whole);
    const QByteArray raw = QByteArray::fromRawData("xyz", 3); // no owning header
    QCOMPARE(sharedSlice(raw, 1, 2), QByteArray("yz"));
}

// The rvalue form hands the slice `whole`'s own reference: the buffer is not copied and no
// second reference is made (the slice alone owns it), and `whole` is left empty; out of
// range, it returns an empty slice and leaves `whole` as it was.
void tst_Codec::sharedSliceTakesTheReference()
{
    QByteArray whole("hello shared world");
    whole.detach();
    const char *where = whole.constData();
    const QByteArray slice = sharedSlice(std::move(whole), 6, 6);
    QCOMPARE(slice, QByteArray("shared"));
    QCOMPARE(slice.constData(), where + 6);
    QVERIFY(slice.isDetached()); // one reference: the slice's
    QVERIFY(whole.isNull());     // NOLINT(bugprone-use-after-move): left empty, on purpose

    QByteArray kept("abc");
    kept.detach();
    QVERIFY(sharedSlice(std::move(kept), 2, 5).isNull());
    QCOMPARE(kept, QByteArray("abc")); // NOLINT(bugprone-use-after-move): untouched
    QVERIFY(kept.isDetached());
}

// readPublishInPlace() (the broker's in-place path) accepts exactly the PUBLISH packets
// decodeNewPublish() accepts (bar v5 properties, which it does not read) and finds the same
// fields; its copies at QoS 0, 1 and 2 are the encoder's. Topics around the eight-byte steps of its topic
// check, with a wildcard, U+0000 or a high byte at every position; and every catalogue PUBLISH.
void tst_Codec::publishInPlaceAgreesWithDecoder()
{
    QList<QByteArray> topics{"",       "a",           "a/b",
                             "$SYS/x", "caf\xc3\xa9", "\xc3\xa9t\xc3\xa9/a/b/c/d",
                             "\xff",   "a\xc0\x80",   "\xed\xa0\x80x"};
    for (int length : {1, 7, 8, 9, 15, 16, 17, 24}) {
        const QByteArray plain(length, 'x');
        topics << plain;
        for (int at = 0; at < length; ++at)
            for (char bad : {'+', '#', '\0', char(0x80), char(0xc3)}) {
                QByteArray t = plain;
                t[at] = bad;
                topics << t;
            }
    }
    int accepted = 0, refused = 0;
    for (const QByteArray &topic : std::as_const(topics)) {
        const bool plain = std::all_of(topic.begin(), topic.end(), [](char ch) {
            const auto c = std::uint8_t(ch);
            return c != 0 && c < 0x80 && c != '+' && c != '#';
        });
        QCOMPARE(isPlainAsciiTopicName(topic), plain);
        for (ProtocolVersion v : {ProtocolVersion::V311, ProtocolVersion::V5}) {
            for (std::uint8_t first : {std::uint8_t(0x30), std::uint8_t(0x32)}) {
                QByteArray body;
                body += char(topic.size() >> 8);
                body += char(topic.size() & 0xff);
                body += topic;
                if (first & 0x06) body += QByteArray("\x12\x34", 2);
                if (isV5(v)) body += char(0);
                body += "payload";
                Publish p;
                const Error e = decodeNewPublish(first, body, v, p);
                PublishView view;
                const bool inPlace = readPublishInPlace(first, body, v, view);
                const QByteArray what =
                    topic.toHex() + (isV5(v) ? " v5 " : " v3.1.1 ") + QByteArray::number(first, 16);
                if (isV5(v) && topic.isEmpty()) { // needs a topic alias: an error for the decoder
                    QVERIFY2(e && inPlace && view.topic.isEmpty(), what.constData());
                    continue;
                }
                QVERIFY2(bool(e) != inPlace, what.constData());
                if (!inPlace) {
                    ++refused;
                    continue;
                }
                ++accepted;
                QCOMPARE(view.topic, QByteArrayView(p.topic));
                QCOMPARE(view.payload, QByteArrayView(p.payload));
                QCOMPARE(view.packetId, p.packetId);
                for (ProtocolVersion to : {ProtocolVersion::V311, ProtocolVersion::V5})
                    for (std::uint8_t qos : {0, 1, 2}) {
                        Publish q;
                        q.topic = p.topic;
                        q.payload = p.payload;
                        q.qos = qos;
                        q.packetId = qos ? 0xBEEF : 0;
                        QByteArray copy, expected;
                        encodePacket(Packet(q), to, expected);
                        QCOMPARE(encodePublishCopy(view, qos, q.packetId, to, copy), expected.size());
                        QCOMPARE(publishCopySize(view, qos, to), expected.size());
                        QCOMPARE(copy.toHex(' '), expected.toHex(' '));
                    }
            }
        }
    }
    QVERIFY(accepted > 50 && refused > 500); // both sides of every check were reached
    for (const CatalogueCase &c : packetCatalogue()) {
        if (quint8(c.bytes[0]) >> 4 != 3) continue;
        const Frame f = readFrame(c.bytes, 0);
        if (f.status != Frame::Status::Complete) continue;
        const QByteArray body = c.bytes.sliced(f.headerLength, f.remainingLength);
        Publish p;
        PublishView view;
        const bool decodes = !decodeNewPublish(f.firstByte, body, c.version, p);
        const bool inPlace = readPublishInPlace(f.firstByte, body, c.version, view);
        if (decodes) QVERIFY2(inPlace && view.topic == QByteArrayView(p.topic), c.id);
        if (inPlace && !view.topic.isEmpty() && view.properties.isEmpty()) QVERIFY2(decodes, c.id);
    }
}

void tst_Codec::decodedPublishSharesBody()
{
    // Every byte string of a decoded PUBLISH points into the one body buffer.
    for (const CatalogueCase &c : packetCatalogue()) {
        if (!c.valid || quint8(c.bytes[0]) >> 4 != 3) continue;
        const Frame f = readFrame(c.bytes, 0);
        QByteArray body = c.bytes.sliced(f.headerLength);
        body.detach();
        Publish p;
        QVERIFY(!decodePublish(f.firstByte, body, c.version, p));
        const char *begin = body.constData(), *end = begin + body.size();
        auto inside = [&](const QByteArray &s) {
            return s.isEmpty() || (s.constData() >= begin && s.constData() + s.size() <= end &&
                                   bufferOf(s) == bufferOf(body));
        };
        QVERIFY2(inside(p.topic), c.id);
        QVERIFY2(inside(p.payload), c.id);
        QVERIFY2(inside(p.properties.contentType), c.id);
        QVERIFY2(inside(p.properties.responseTopic), c.id);
        QVERIFY2(inside(p.properties.correlationData), c.id);
        for (const UserProperty &up : p.properties.userProperties) {
            QVERIFY2(inside(up.first), c.id);
            QVERIFY2(inside(up.second), c.id);
        }
    }
    // CONNECT and SUBSCRIBE strings are slices as well.
    for (const CatalogueCase &c : packetCatalogue()) {
        if (qstrcmp(c.id, "v5/connect/full") && qstrcmp(c.id, "v5/subscribe/all-options")) continue;
        const Frame f = readFrame(c.bytes, 0);
        QByteArray body = c.bytes.sliced(f.headerLength);
        body.detach();
        Packet p;
        QVERIFY(!decodePacket(f.firstByte, body, c.version, p));
        auto inside = [&](const QByteArray &s) {
            return s.constData() >= body.constData() &&
                   s.constData() + s.size() <= body.constData() + body.size();
        };
        if (auto *con = std::get_if<Connect>(&p)) {
            for (const QByteArray *s :
                 {&con->clientId, &con->username, &con->password, &con->will.topic, &con->will.payload,
                  &con->properties.authenticationMethod, &con->properties.authenticationData,
                  &con->will.properties.contentType})
                QVERIFY(inside(*s));
        } else {
            for (const TopicSubscription &t : std::get<Subscribe>(p).topics)
                QVERIFY(inside(t.filter));
        }
    }
}

void tst_Codec::reusedOutputIsReset()
{
    // The typed decoders start from an empty value: nothing leaks from a previous packet.
    Publish dirtyPublish;
    dirtyPublish.topic = "old";
    dirtyPublish.properties.topicAlias = 9;
    dirtyPublish.properties.mark(PropertyId::TopicAlias);
    dirtyPublish.properties.subscriptionIdentifiers = {1, 2, 3};
    dirtyPublish.properties.userProperties = {{"old", "old"}};
    Ack dirtyAck;
    dirtyAck.reasonCode = 0x80;
    dirtyAck.properties.reasonString = "old";
    dirtyAck.properties.mark(PropertyId::ReasonString);
    int checked = 0;
    for (const CatalogueCase &c : packetCatalogue()) {
        if (!c.valid) continue;
        const Frame f = readFrame(c.bytes, 0);
        const QByteArray body = c.bytes.sliced(f.headerLength);
        if (const Publish *want = std::get_if<Publish>(&c.decoded)) {
            Publish p = dirtyPublish;
            QVERIFY(!decodePublish(f.firstByte, body, c.version, p));
            QVERIFY2(p == *want, c.id);
            ++checked;
        } else if (const Ack *want = std::get_if<Ack>(&c.decoded)) {
            Ack a = dirtyAck;
            QVERIFY(!decodeAck(f.firstByte, body, c.version, a));
            QVERIFY2(a == *want, c.id);
            ++checked;
        }
    }
    QVERIFY(checked > 40);
}

void tst_Codec::v5PropertiesDroppedBeforeV5()
{
    Publish p;
    p.topic = "a/b";
    p.payload = "x";
    p.qos = 1;
    p.packetId = 3;
    p.properties.contentType = "text/plain";
    p.properties.mark(PropertyId::ContentType);
    p.properties.userProperties = {{"k", "v"}};
    p.properties.subscriptionIdentifiers = {7};
    for (ProtocolVersion v : {ProtocolVersion::V31, ProtocolVersion::V311}) {
        QByteArray out;
        encodePublish(p, v, out);
        QCOMPARE(out.toHex(' '), QByteArray::fromHex("3208 0003 612f62 0003 78").toHex(' '));
        QCOMPARE(publishWireSize(p, v), quint32(out.size()));
        Packet back;
        QVERIFY(!decodeOne(out, v, back));
        QVERIFY(std::get<Publish>(back).properties.isEmpty());
    }

    Ack ack;
    ack.type = PacketType::Puback;
    ack.packetId = 9;
    ack.reasonCode = 0x10;
    ack.properties.reasonString = "why";
    ack.properties.mark(PropertyId::ReasonString);
    QByteArray out;
    encodeAck(ack, ProtocolVersion::V311, out);
    QCOMPARE(out, QByteArray::fromHex("40020009")); // no reason code, no properties

    Disconnect d;
    d.reasonCode = 0x04;
    d.properties.userProperties = {{"k", "v"}};
    out.clear();
    encodeDisconnect(d, ProtocolVersion::V31, out);
    QCOMPARE(out, QByteArray::fromHex("e000"));

    SubackLike unsuback;
    unsuback.type = PacketType::Unsuback;
    unsuback.packetId = 1;
    unsuback.reasonCodes = {0x11};
    out.clear();
    encodeSuback(unsuback, ProtocolVersion::V311, out);
    QCOMPARE(out, QByteArray::fromHex("b0020001")); // v3 UNSUBACK has no payload

    Subscribe s;
    s.packetId = 1;
    TopicSubscription t;
    t.filter = "a";
    t.options.qos = 1;
    t.options.noLocal = true;
    t.options.retainHandling = 2;
    s.topics = {t};
    s.properties.subscriptionIdentifiers = {4};
    out.clear();
    encodeSubscribe(s, ProtocolVersion::V311, out);
    QCOMPARE(out, QByteArray::fromHex("820600010001 6101")); // qos only

    Connect c;
    c.version = ProtocolVersion::V311;
    c.clientId = "c";
    c.properties.sessionExpiryInterval = 10;
    c.properties.mark(PropertyId::SessionExpiryInterval);
    out.clear();
    encodeConnect(c, out);
    QCOMPARE(out, QByteArray::fromHex("100d00044d5154540402000000016 3"));

    Auth a;
    out = "keep";
    QCOMPARE(encodeAuth(a, ProtocolVersion::V311, out), qsizetype(0)); // AUTH does not exist before v5
    QCOMPARE(out, QByteArray("keep"));
}

void tst_Codec::publishWireSizeMatchesEncoder()
{
    QFETCH(int, index);
    const CatalogueCase &c = packetCatalogue().at(index);
    const Publish *p = std::get_if<Publish>(&c.decoded);
    for (ProtocolVersion v : {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5}) {
        QByteArray out("prefix");
        const qsizetype n = encodePublish(*p, v, out);
        QCOMPARE(qsizetype(publishWireSize(*p, v)), n);
        QCOMPARE(out.size(), n + 6);
    }
}

void tst_Codec::encodeAppends()
{
    QByteArray out("xy");
    QCOMPARE(encodePingreq(out), qsizetype(2));
    QCOMPARE(encodePingresp(out), qsizetype(2));
    QCOMPARE(out, QByteArray::fromHex("7879c000d000"));
    // A shared buffer is detached, not written through.
    QByteArray shared = out;
    encodePingreq(out);
    QCOMPARE(shared, QByteArray::fromHex("7879c000d000"));
}

void tst_Codec::ackWithoutProperties()
{
    // The broker's acknowledgements: exact bytes, and each decodes back to what was sent.
    struct Case {
        PacketType type;
        std::uint8_t reason;
        ProtocolVersion version;
        const char *hex;
    };
    const Case cases[] = {
        {PacketType::Puback, 0, ProtocolVersion::V311, "40020102"},
        {PacketType::Puback, 0x87, ProtocolVersion::V311, "40020102"}, // v3 has no reason codes
        {PacketType::Puback, 0, ProtocolVersion::V5, "40020102"},
        {PacketType::Puback, 0x87, ProtocolVersion::V5, "4003010287"},
        {PacketType::Pubrec, 0x10, ProtocolVersion::V5, "5003010210"},
        {PacketType::Pubrel, 0, ProtocolVersion::V31, "62020102"},
        {PacketType::Pubrel, 0x92, ProtocolVersion::V5, "6203010292"},
        {PacketType::Pubcomp, 0, ProtocolVersion::V5, "70020102"},
    };
    for (const Case &c : cases) {
        QByteArray out("x");
        QCOMPARE(encodeAck(c.type, 0x0102, c.reason, c.version, out), qsizetype(strlen(c.hex) / 2));
        QCOMPARE(out.mid(1).toHex(), QByteArray(c.hex));
        Packet back;
        QVERIFY(!decodeOne(out.mid(1), c.version, back));
        const Ack &a = std::get<Ack>(back);
        QCOMPARE(a.type, c.type);
        QCOMPARE(a.packetId, std::uint16_t(0x0102));
        QCOMPARE(a.reasonCode, isV5(c.version) ? c.reason : std::uint8_t(0));
    }
}

void tst_Codec::ackFieldsMatchDecodeAck()
{
    // decodeAckFields() (the broker's fast path) accepts and refuses exactly what decodeAck()
    // does, with the same type, packet id and reason code.
    const QList<QByteArray> bodies = {QByteArray::fromHex("0001"),
                                      QByteArray::fromHex("ffff"),
                                      QByteArray::fromHex("0000"),
                                      QByteArray::fromHex("00"),
                                      QByteArray(),
                                      QByteArray::fromHex("000710"),
                                      QByteArray::fromHex("000780"),
                                      QByteArray::fromHex("000792"),
                                      QByteArray::fromHex("0007ff"),
                                      QByteArray::fromHex("00070000"),
                                      QByteArray::fromHex("0007001f0003616263"),
                                      QByteArray::fromHex("0007000500"),
                                      QByteArray::fromHex("00010203")};
    const QList<std::uint8_t> firstBytes = {0x40, 0x50, 0x62, 0x70, 0x41, 0x60, 0x72, 0x30, 0x82};
    for (ProtocolVersion v : {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5}) {
        for (std::uint8_t first : firstBytes) {
            for (const QByteArray &body : bodies) {
                Ack full;
                AckFields fast;
                const Error e1 = decodeAck(first, body, v, full);
                const Error e2 = decodeAckFields(first, body, v, fast);
                const QByteArray what =
                    QByteArray::number(first, 16) + " " + body.toHex() + " v" + QByteArray::number(int(v));
                QVERIFY2(bool(e1) == bool(e2), what.constData());
                if (e1) {
                    QVERIFY2(e1.code == e2.code, what.constData());
                    continue;
                }
                QVERIFY2(fast.type == full.type, what.constData());
                QCOMPARE(fast.packetId, full.packetId);
                QCOMPARE(fast.reasonCode, full.reasonCode);
            }
        }
    }
}

void tst_Codec::publishUnderAnotherHeader()
{
    // encodePublish(p, header, ...) writes exactly what encodePublish() writes for a copy of
    // p with that qos, retain, dup and packet id, for every version and QoS in both directions.
    Publish p;
    p.topic = "a/b";
    p.payload = "payload";
    p.qos = 2;
    p.retain = true;
    p.packetId = 77;
    p.properties.contentType = "text/plain";
    p.properties.mark(PropertyId::ContentType);
    for (ProtocolVersion v : {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5}) {
        for (std::uint8_t qos : {0, 1, 2}) {
            for (bool flags : {false, true}) {
                // (DUP is only allowed with QoS > 0 [MQTT-3.3.1-2])
                const PublishHeader h{qos, flags, flags && qos > 0, std::uint16_t(qos ? 4242 : 0)};
                Publish copy = p;
                copy.qos = h.qos;
                copy.retain = h.retain;
                copy.dup = h.dup;
                copy.packetId = h.packetId;
                QByteArray expected, actual("prefix");
                QVERIFY(encodePublish(copy, v, expected) > 0);
                QCOMPARE(encodePublish(p, h, v, actual), expected.size());
                QCOMPARE(actual, QByteArray("prefix") + expected);
                Packet back;
                QVERIFY(!decodeOne(expected, v, back));
                const Publish &d = std::get<Publish>(back);
                QCOMPARE(d.qos, qos);
                QCOMPARE(d.retain, flags);
                QCOMPARE(d.packetId, h.packetId);
            }
        }
    }
}

void tst_Codec::oversizedStringsAreNotEncoded()
{
    // A string field cannot be longer than 65,535 bytes: the encoder writes nothing.
    Publish p;
    p.topic = QByteArray(65536, 't');
    QByteArray out("keep");
    QCOMPARE(encodePublish(p, ProtocolVersion::V311, out), qsizetype(0));
    QCOMPARE(out, QByteArray("keep"));
    QCOMPARE(publishWireSize(p, ProtocolVersion::V311), 0xFFFFFFFFu);
    p.topic = QByteArray(65535, 't');
    QCOMPARE(encodePublish(p, ProtocolVersion::V311, out), qsizetype(1 + 3 + 2 + 65535));
    Packet back;
    QVERIFY(!decodeOne(out.sliced(4), ProtocolVersion::V311, back));

    Ack ack;
    ack.packetId = 1;
    ack.properties.reasonString = QByteArray(70000, 'r');
    ack.properties.mark(PropertyId::ReasonString);
    out.clear();
    QCOMPARE(encodeAck(ack, ProtocolVersion::V5, out), qsizetype(0));
    QVERIFY(out.isEmpty());
    // Before v5 the property is dropped, so the ack is fine.
    QCOMPARE(encodeAck(ack, ProtocolVersion::V311, out), qsizetype(4));
}

void tst_Codec::utf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("ascii") << QByteArray("hello/world") << true;
    QTest::newRow("ascii long") << QByteArray(1000, 'a') << true;
    QTest::newRow("nul") << QByteArray("a\0b", 3) << false;
    QTest::newRow("nul in fast path") << QByteArray("abcdefg\0ijklmnop", 16) << false;
    QTest::newRow("nul after fast path") << QByteArray("abcdefgh\0", 9) << false;
    QTest::newRow("2 byte") << QByteArray("\xC3\xA9") << true;
    QTest::newRow("3 byte") << QByteArray("\xE2\x82\xAC") << true;
    QTest::newRow("4 byte") << QByteArray("\xF0\x9F\x90\xA6") << true;
    QTest::newRow("U+10FFFF") << QByteArray("\xF4\x8F\xBF\xBF") << true;
    QTest::newRow("U+FFFF non-character") << QByteArray("\xEF\xBF\xBF") << true; // allowed [MQTT-1.5.4-3]
    QTest::newRow("mixed after ascii block") << QByteArray("abcdefgh\xC3\xA9xyz") << true;
    QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << false;
    QTest::newRow("F5 lead") << QByteArray("\xF5\x80\x80\x80") << false;
    QTest::newRow("surrogate D800") << QByteArray("\xED\xA0\x80") << false;
    QTest::newRow("surrogate DFFF") << QByteArray("\xED\xBF\xBF") << false;
    QTest::newRow("overlong C0") << QByteArray("\xC0\xAF") << false;
    QTest::newRow("overlong C1") << QByteArray("\xC1\xBF") << false;
    QTest::newRow("overlong E0") << QByteArray("\xE0\x9F\xBF") << false;
    QTest::newRow("overlong F0") << QByteArray("\xF0\x8F\xBF\xBF") << false;
    QTest::newRow("lone continuation") << QByteArray("\x80") << false;
    QTest::newRow("truncated 2") << QByteArray("\xC3") << false;
    QTest::newRow("truncated 3") << QByteArray("\xE2\x82") << false;
    QTest::newRow("truncated 4") << QByteArray("\xF0\x9F\x90") << false;
    QTest::newRow("bad continuation") << QByteArray("\xE2\x28\xA1") << false;
    QTest::newRow("FF") << QByteArray("\xFF") << false;
}

void tst_Codec::utf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes), valid);
}

void tst_Codec::topicFilters_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<bool>("shared");
    const struct {
        const char *f;
        bool valid, shared;
    } rows[] = {
        {"a", true, false},           {"a/b/c", true, false},       {"#", true, false},
        {"+", true, false},           {"a/#", true, false},         {"a/+/c", true, false},
        {"+/+", true, false},         {"/", true, false},           {"/+", true, false},
        {"$SYS/#", true, false},      {"a//b", true, false},        {"$share/g/a", true, true},
        {"$share/g/#", true, true},   {"$share/g//", true, true},   {"$sharex/a", true, false},
        {"", false, false},           {"a/#/b", false, false},      {"a+", false, false},
        {"+a", false, false},         {"a/+b", false, false},       {"#a", false, false},
        {"a#", false, false},         {"a/b#", false, false},       {"##", false, false},
        {"$share//a", false, true},   {"$share/g+/a", false, true}, {"$share/#/a", false, true},
        {"$share/g", false, true},    {"$share/g/", false, true},   {"$share/", false, true},
        {"$share/g/a+", false, true},
    };
    for (const auto &r : rows)
        QTest::newRow(r.f) << QByteArray(r.f) << r.valid << r.shared;
}

void tst_Codec::topicFilters()
{
    QFETCH(QByteArray, filter);
    QFETCH(bool, valid);
    QFETCH(bool, shared);
    QCOMPARE(isValidTopicFilter(filter), valid);
    QCOMPARE(isSharedFilter(filter), shared);
}

void tst_Codec::topicNames()
{
    QVERIFY(isValidTopicName("a/b"));
    QVERIFY(isValidTopicName("/"));
    QVERIFY(isValidTopicName("$SYS/x"));
    QVERIFY(!isValidTopicName(""));
    QVERIFY(isValidTopicName("", true));
    QVERIFY(!isValidTopicName("a/+"));
    QVERIFY(!isValidTopicName("#"));
    QVERIFY(!isValidTopicName("a+b"));
}

void tst_Codec::varIntSizes()
{
    QCOMPARE(varIntSize(0), 1);
    QCOMPARE(varIntSize(127), 1);
    QCOMPARE(varIntSize(128), 2);
    QCOMPARE(varIntSize(16383), 2);
    QCOMPARE(varIntSize(16384), 3);
    QCOMPARE(varIntSize(2097151), 3);
    QCOMPARE(varIntSize(2097152), 4);
    QCOMPARE(varIntSize(kMaxVarInt), 4);
}

void tst_Codec::names()
{
    QCOMPARE(reasonName(ReasonCode::MalformedPacket), "malformed packet");
    QCOMPARE(reasonName(ReasonCode::PacketTooLarge), "packet too large");
    QCOMPARE(reasonName(ReasonCode(0x03)), "unknown reason code");
    QCOMPARE(packetTypeName(PacketType::Unsuback), "UNSUBACK");
    Ack pubrel;
    pubrel.type = PacketType::Pubrel;
    QCOMPARE(packetTypeOf(Packet{pubrel}), PacketType::Pubrel);
    QCOMPARE(packetTypeOf(Packet{Pingresp{}}), PacketType::Pingresp);
    QCOMPARE(toV3ConnackCode(ReasonCode::Success), ConnackReturnV3::Accepted);
    QCOMPARE(toV3ConnackCode(ReasonCode::UnsupportedProtocolVersion),
             ConnackReturnV3::UnacceptableProtocolVersion);
    QCOMPARE(toV3ConnackCode(ReasonCode::ClientIdentifierNotValid), ConnackReturnV3::IdentifierRejected);
    QCOMPARE(toV3ConnackCode(ReasonCode::ServerBusy), ConnackReturnV3::ServerUnavailable);
    QCOMPARE(toV3ConnackCode(ReasonCode::BadUserNameOrPassword), ConnackReturnV3::BadUserNameOrPassword);
    QCOMPARE(toV3ConnackCode(ReasonCode::Banned), ConnackReturnV3::NotAuthorized);
}

QTEST_APPLESS_MAIN(tst_Codec)
#include "tst_codec.moc"
