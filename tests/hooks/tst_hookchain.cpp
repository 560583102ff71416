// HookChain's access answer: any hook saying yes allows, no hook denies, hooks are asked in
// order until one says yes; and the shortcut that skips the calls when the first hook to
// answer allows everything (AllowAllHook) gives the same answers as asking.
#include "hooks/hookchain.h"

#include <QTest>

using namespace petrel;

namespace {

// Allows one topic; counts the questions it gets.
class OneTopicHook : public Hook {
public:
    explicit OneTopicHook(QByteArray topic) : m_topic(std::move(topic)) {}
    QString id() const override { return QStringLiteral("one-topic"); }
    HookMask provides() const override { return hookBit(HookEvent::OnACLCheck); }
    bool onACLCheck(const ClientInfo &, const QByteArray &topic, bool) override
    {
        ++asked;
        return topic == m_topic;
    }
    int asked = 0;

private:
    QByteArray m_topic;
};

// An observer whose events change at run time (as the Qt signal bridge).
class DynamicHook : public Hook {
public:
    QString id() const override { return QStringLiteral("dynamic"); }
    HookMask provides() const override { return 0; }
    const std::atomic<HookMask> *dynamicMask() const override { return &mask; }
    bool onACLCheck(const ClientInfo &, const QByteArray &, bool) override
    {
        ++asked;
        return false;
    }
    std::atomic<HookMask> mask{0};
    int asked = 0;
};

void add(HookChain &chain, std::shared_ptr<Hook> hook)
{
    QString error;
    QVERIFY2(chain.add(std::move(hook), {}, &error), qPrintable(error));
}

} // namespace

class TestHookChain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noHookDenies()
    {
        HookChain chain;
        QVERIFY(!chain.aclAllowsEverything());
        QVERIFY(!chain.aclAllows({}, "a", true));
    }

    void allowAllAlone()
    {
        HookChain chain;
        add(chain, std::make_shared<AllowAllHook>());
        QVERIFY(chain.aclAllowsEverything());
        QVERIFY(chain.aclAllows({}, "a", true));
        QVERIFY(chain.aclAllows({}, "$SYS/x", false));
    }

    // A restricting hook asked first: it is asked every time, AllowAll after it still says yes.
    void restrictingHookFirst()
    {
        HookChain chain;
        auto one = std::make_shared<OneTopicHook>("a");
        add(chain, one);
        add(chain, std::make_shared<AllowAllHook>());
        QVERIFY(!chain.aclAllowsEverything());
        QVERIFY(chain.aclAllows({}, "a", true));
        QVERIFY(chain.aclAllows({}, "b", true));
        QCOMPARE(one->asked, 2);
    }

    // Only the restricting hook: its answer.
    void restrictingHookAlone()
    {
        HookChain chain;
        auto one = std::make_shared<OneTopicHook>("a");
        add(chain, one);
        QVERIFY(!chain.aclAllowsEverything());
        QVERIFY(chain.aclAllows({}, "a", false));
        QVERIFY(!chain.aclAllows({}, "b", false));
        QCOMPARE(one->asked, 2);
    }

    // AllowAll answers first: the later hook was never asked before the shortcut either (the
    // first yes ends the questions), and is not now.
    void allowAllFirst()
    {
        HookChain chain;
        add(chain, std::make_shared<AllowAllHook>());
        auto one = std::make_shared<OneTopicHook>("a");
        add(chain, one);
        auto dynamic = std::make_shared<DynamicHook>();
        add(chain, dynamic);
        dynamic->mask.store(hookBit(HookEvent::OnACLCheck));
        QVERIFY(chain.aclAllowsEverything());
        QVERIFY(chain.aclAllows({}, "b", true));
        QCOMPARE(one->asked, 0);
        QCOMPARE(dynamic->asked, 0);
    }

    // A dynamic hook is always after the static ones, yet the only hook: it may start
    // answering at any time, so no shortcut.
    void dynamicHookOnly()
    {
        HookChain chain;
        auto dynamic = std::make_shared<DynamicHook>();
        add(chain, dynamic);
        QVERIFY(!chain.aclAllowsEverything());
        QVERIFY(!chain.aclAllows({}, "a", true));
        QCOMPARE(dynamic->asked, 0);
        dynamic->mask.store(hookBit(HookEvent::OnACLCheck));
        QVERIFY(!chain.aclAllows({}, "a", true));
        QCOMPARE(dynamic->asked, 1);
        // AllowAll added later goes before it, and answers first.
        add(chain, std::make_shared<AllowAllHook>());
        QVERIFY(chain.aclAllowsEverything());
        QVERIFY(chain.aclAllows({}, "a", true));
        QCOMPARE(dynamic->asked, 1);
    }
};

QTEST_GUILESS_MAIN(TestHookChain)
#include "tst_hookchain.moc"
