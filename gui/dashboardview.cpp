#include "views.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QValueAxis>
#include <QVBoxLayout>

namespace petrel::gui {

static QString bytesText(double bytes)
{
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeTraditionalFormat);
}

static QString durationText(qint64 seconds)
{
    const qint64 d = seconds / 86400, h = (seconds / 3600) % 24, m = (seconds / 60) % 60, s = seconds % 60;
    if (d > 0) return DashboardView::tr("%1 d %2 h %3 min").arg(d).arg(h).arg(m);
    if (h > 0) return DashboardView::tr("%1 h %2 min").arg(h).arg(m);
    return DashboardView::tr("%1 min %2 s").arg(m).arg(s);
}

DashboardView::DashboardView(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *numbers = new QGroupBox(tr("Broker"), this);
    auto *grid = new QGridLayout(numbers);
    const QList<QPair<QString, QString>> items = {
        {QStringLiteral("clients"), tr("Connected clients")},
        {QStringLiteral("sessions"), tr("Sessions")},
        {QStringLiteral("msgsIn"), tr("Messages in /s")},
        {QStringLiteral("msgsOut"), tr("Messages out /s")},
        {QStringLiteral("bytesIn"), tr("Bytes in /s")},
        {QStringLiteral("bytesOut"), tr("Bytes out /s")},
        {QStringLiteral("subscriptions"), tr("Subscriptions")},
        {QStringLiteral("retained"), tr("Retained messages")},
        {QStringLiteral("inflight"), tr("Inflight")},
        {QStringLiteral("dropped"), tr("Dropped")},
        {QStringLiteral("uptime"), tr("Uptime")},
        {QStringLiteral("memory"), tr("Memory")},
    };
    for (int i = 0; i < items.size(); ++i) {
        auto *caption = new QLabel(items[i].second, numbers);
        auto *value = new QLabel(QStringLiteral("–"), numbers);
        value->setObjectName(QStringLiteral("dashboard_") + items[i].first);
        QFont f = value->font();
        f.setPointSizeF(f.pointSizeF() * 1.6);
        f.setBold(true);
        value->setFont(f);
        const int row = (i / 6) * 2, col = i % 6;
        grid->addWidget(caption, row, col);
        grid->addWidget(value, row + 1, col);
        m_values.insert(items[i].first, value);
    }
    layout->addWidget(numbers);
    m_messages =
        makeChart(QStringLiteral("chart_messages"), tr("Messages per second"), {tr("in"), tr("out")});
    m_bytes = makeChart(QStringLiteral("chart_bytes"), tr("Bytes per second"), {tr("in"), tr("out")});
    m_clients = makeChart(QStringLiteral("chart_clients"), tr("Clients"),
                          {tr("connected"), tr("subscriptions"), tr("inflight")});
    m_memory = makeChart(QStringLiteral("chart_memory"), tr("Memory (MiB)"), {tr("resident")});
    // Two by two: rates on the left, levels on the right.
    auto *chartGrid = new QGridLayout;
    const Chart *placed[] = {&m_messages, &m_clients, &m_bytes, &m_memory};
    for (int i = 0; i < 4; ++i) {
        auto *view = new QChartView(placed[i]->chart, this);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(180);
        chartGrid->addWidget(view, i / 2, i % 2);
    }
    layout->addLayout(chartGrid, 1);
}

DashboardView::Chart DashboardView::makeChart(const QString &name, const QString &title,
                                              const QStringList &seriesNames)
{
    Chart c;
    c.chart = new QChart;
    c.chart->setObjectName(name);
    c.chart->setTitle(title);
    c.chart->legend()->setAlignment(Qt::AlignRight);
    for (const QString &n : seriesNames) {
        auto *series = new QLineSeries;
        series->setName(n);
        c.chart->addSeries(series);
        c.series.append(series);
    }
    c.x = new QDateTimeAxis;
    c.x->setFormat(QStringLiteral("HH:mm:ss"));
    c.x->setTickCount(6);
    c.y = new QValueAxis;
    c.y->setLabelFormat(QStringLiteral("%.0f"));
    c.y->setRange(0, 10);
    c.chart->addAxis(c.x, Qt::AlignBottom);
    c.chart->addAxis(c.y, Qt::AlignLeft);
    for (QLineSeries *s : std::as_const(c.series)) {
        s->attachAxis(c.x);
        s->attachAxis(c.y);
    }
    const QDateTime now = QDateTime::currentDateTime();
    c.x->setRange(now.addSecs(-kWindowSeconds), now);
    return c;
}

void DashboardView::addPoint(Chart &c, qint64 t, const QList<double> &values)
{
    const double oldest = double(t - kWindowSeconds * 1000LL);
    double maximum = 10;
    for (qsizetype i = 0; i < c.series.size(); ++i) {
        QLineSeries *s = c.series[i];
        s->append(double(t), values.value(i));
        int drop = 0;
        while (drop < s->count() && s->at(drop).x() < oldest)
            ++drop;
        if (drop > 0) s->removePoints(0, drop);
        for (const QPointF &p : s->points())
            maximum = std::max(maximum, p.y());
    }
    c.y->setRange(0, maximum * 1.15);
    c.x->setRange(QDateTime::fromMSecsSinceEpoch(t - kWindowSeconds * 1000LL),
                  QDateTime::fromMSecsSinceEpoch(t));
}

void DashboardView::reset()
{
    m_previous.reset();
    for (Chart *c : {&m_messages, &m_bytes, &m_clients, &m_memory})
        for (QLineSeries *s : std::as_const(c->series))
            s->clear();
    for (QLabel *l : std::as_const(m_values))
        l->setText(QStringLiteral("–"));
}

void DashboardView::onSnapshot(const Snapshot &s)
{
    const BrokerStats &st = s.stats;
    const QLocale locale;
    m_values[QStringLiteral("clients")]->setText(locale.toString(st.clientsConnected));
    m_values[QStringLiteral("sessions")]->setText(locale.toString(st.clientsTotal));
    m_values[QStringLiteral("subscriptions")]->setText(locale.toString(st.subscriptions));
    m_values[QStringLiteral("retained")]->setText(locale.toString(st.retained));
    m_values[QStringLiteral("inflight")]->setText(locale.toString(st.inflight));
    m_values[QStringLiteral("dropped")]->setText(locale.toString(st.messagesDropped));
    m_values[QStringLiteral("uptime")]->setText(
        st.startedAtMs ? durationText((s.takenAtMs - st.startedAtMs) / 1000) : QStringLiteral("–"));
    m_values[QStringLiteral("memory")]->setText(s.memoryBytes ? bytesText(double(s.memoryBytes))
                                                              : QStringLiteral("–"));
    if (m_previous && s.takenAtMs > m_previous->takenAtMs &&
        st.startedAtMs == m_previous->stats.startedAtMs) {
        const double dt = double(s.takenAtMs - m_previous->takenAtMs) / 1000.0;
        const BrokerStats &p = m_previous->stats;
        const double msgIn = std::max(0.0, double(st.messagesReceived - p.messagesReceived) / dt);
        const double msgOut = std::max(0.0, double(st.messagesSent - p.messagesSent) / dt);
        const double bIn = std::max(0.0, double(st.bytesReceived - p.bytesReceived) / dt);
        const double bOut = std::max(0.0, double(st.bytesSent - p.bytesSent) / dt);
        m_values[QStringLiteral("msgsIn")]->setText(locale.toString(msgIn, 'f', 0));
        m_values[QStringLiteral("msgsOut")]->setText(locale.toString(msgOut, 'f', 0));
        m_values[QStringLiteral("bytesIn")]->setText(bytesText(bIn));
        m_values[QStringLiteral("bytesOut")]->setText(bytesText(bOut));
        addPoint(m_messages, s.takenAtMs, {msgIn, msgOut});
        addPoint(m_bytes, s.takenAtMs, {bIn, bOut});
    }
    // Levels need no previous snapshot: a point from every one.
    addPoint(m_clients, s.takenAtMs,
             {double(st.clientsConnected), double(st.subscriptions), double(st.inflight)});
    if (s.memoryBytes > 0) addPoint(m_memory, s.takenAtMs, {double(s.memoryBytes) / (1024.0 * 1024.0)});
    m_previous = s;
    m_previous->clients.clear(); // only the counters are needed next time
    m_previous->subscriptions.clear();
    m_previous->retained.clear();
    m_previous->clientChanges.reset(); // nor the lists behind the change sets
    m_previous->subscriptionChanges.reset();
}

int DashboardView::chartPointCount() const
{
    return m_messages.series.isEmpty() ? 0 : int(m_messages.series.first()->count());
}

QList<QChart *> DashboardView::charts() const
{
    return {m_messages.chart, m_bytes.chart, m_clients.chart, m_memory.chart};
}

} // namespace petrel::gui
