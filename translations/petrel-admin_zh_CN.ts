<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>QObject</name>
    <message>
      <source>%1 (%2)</source>
      <translation>%1（%2）</translation>
    </message>
  </context>
  <context>
    <name>petrel-admin</name>
    <message>
      <source>Petrel Admin: run or watch a Petrel MQTT broker.</source>
      <translation>Petrel Admin：运行或监视 Petrel MQTT 代理。</translation>
    </message>
    <message>
      <source>Embedded mode (a broker in this process).</source>
      <translation>嵌入模式（在此进程中运行代理）。</translation>
    </message>
    <message>
      <source>Load the embedded broker's settings from &lt;file&gt;.</source>
      <translation>从 &lt;file&gt; 加载嵌入式代理的设置。</translation>
    </message>
    <message>
      <source>Attached mode: the admin API at &lt;url&gt;.</source>
      <translation>连接模式：位于 &lt;url&gt; 的管理 API。</translation>
    </message>
    <message>
      <source>Admin token for --attach.</source>
      <translation>--attach 使用的管理令牌。</translation>
    </message>
    <message>
      <source>Start the broker (or attach) right away.</source>
      <translation>立即启动代理（或连接）。</translation>
    </message>
    <message>
      <source>Open a view: dashboard, clients, subscriptions, topics, publish, messages, log, settings.</source>
      <translation>打开视图：dashboard、clients、subscriptions、topics、publish、messages、log、settings。</translation>
    </message>
    <message>
      <source>UI language: en, de, ja, zh_CN.</source>
      <translation>界面语言：en、de、ja、zh_CN。</translation>
    </message>
    <message>
      <source>Save a PNG of every view into &lt;dir&gt; after --screenshot-delay seconds, then quit (gui/screenshots.sh).</source>
      <translation>在 --screenshot-delay 秒后将每个视图的 PNG 保存到 &lt;dir&gt;，然后退出（gui/screenshots.sh）。</translation>
    </message>
    <message>
      <source>Seconds to run before --screenshots (default 8).</source>
      <translation>执行 --screenshots 前运行的秒数（默认 8）。</translation>
    </message>
    <message>
      <source>unknown view '%1'</source>
      <translation>未知视图“%1”</translation>
    </message>
    <message>
      <source>cannot write %1</source>
      <translation>无法写入 %1</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::AttachedBackend</name>
    <message>
      <source>Attached to %1</source>
      <translation>已连接到 %1</translation>
    </message>
    <message>
      <source>Not attached to %1: %2</source>
      <translation>未连接到 %1：%2</translation>
    </message>
    <message>
      <source>Not attached</source>
      <translation>未连接</translation>
    </message>
    <message>
      <source>%1 failed: %2</source>
      <translation>%1 失败：%2</translation>
    </message>
    <message>
      <source>Client %1 disconnected</source>
      <translation>客户端 %1 已断开</translation>
    </message>
    <message>
      <source>Session %1 deleted</source>
      <translation>会话 %1 已删除</translation>
    </message>
    <message>
      <source>Retained message on %1 deleted</source>
      <translation>已删除 %1 上的保留消息</translation>
    </message>
    <message>
      <source>Published to %1</source>
      <translation>已发布到 %1</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::Backend</name>
    <message>
      <source>no such client or topic</source>
      <translation>没有此客户端或主题</translation>
    </message>
    <message>
      <source>the client is not connected</source>
      <translation>客户端未连接</translation>
    </message>
    <message>
      <source>a server may not send this reason code</source>
      <translation>服务器不能发送此原因码</translation>
    </message>
    <message>
      <source>the broker did not answer in time</source>
      <translation>代理未及时响应</translation>
    </message>
    <message>
      <source>no such worker thread</source>
      <translation>没有这个工作线程</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::ClientsModel</name>
    <message>
      <source>never</source>
      <translation>永不</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>已连接</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>离线</translation>
    </message>
    <message>
      <source>Client ID</source>
      <translation>客户端 ID</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Remote address</source>
      <translation>远程地址</translation>
    </message>
    <message>
      <source>Listener</source>
      <translation>监听器</translation>
    </message>
    <message>
      <source>MQTT</source>
      <translation>MQTT</translation>
    </message>
    <message>
      <source>Keep alive</source>
      <translation>保活</translation>
    </message>
    <message>
      <source>Session expiry</source>
      <translation>会话过期</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>订阅</translation>
    </message>
    <message>
      <source>Inflight</source>
      <translation>在途</translation>
    </message>
    <message>
      <source>Queued</source>
      <translation>排队</translation>
    </message>
    <message>
      <source>Msgs in</source>
      <translation>入站</translation>
    </message>
    <message>
      <source>Msgs out</source>
      <translation>出站</translation>
    </message>
    <message>
      <source>Connected since</source>
      <translation>连接时间</translation>
    </message>
    <message>
      <source>Node</source>
      <translation>节点</translation>
    </message>
    <message>
      <source>Worker</source>
      <translation>工作线程</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::ClientsView</name>
    <message>
      <source>Filter clients (id, user, address, …)</source>
      <translation>筛选客户端（ID、用户、地址…）</translation>
    </message>
    <message>
      <source>0x98 Administrative action</source>
      <translation>0x98 管理操作</translation>
    </message>
    <message>
      <source>0x00 Normal disconnection</source>
      <translation>0x00 正常断开</translation>
    </message>
    <message>
      <source>0x8B Server shutting down</source>
      <translation>0x8B 服务器正在关闭</translation>
    </message>
    <message>
      <source>0x87 Not authorized</source>
      <translation>0x87 未授权</translation>
    </message>
    <message>
      <source>0x89 Server busy</source>
      <translation>0x89 服务器繁忙</translation>
    </message>
    <message>
      <source>0x9C Use another server</source>
      <translation>0x9C 使用其他服务器</translation>
    </message>
    <message>
      <source>0x9D Server moved</source>
      <translation>0x9D 服务器已迁移</translation>
    </message>
    <message>
      <source>0x97 Quota exceeded</source>
      <translation>0x97 超出配额</translation>
    </message>
    <message>
      <source>Reason code sent to MQTT 5 clients in DISCONNECT (3.x clients are just closed)</source>
      <translation>在 DISCONNECT 中发给 MQTT 5 客户端的原因码（3.x 客户端直接关闭）</translation>
    </message>
    <message>
      <source>&amp;Disconnect</source>
      <translation>断开(&amp;D)</translation>
    </message>
    <message>
      <source>Disconnect the selected client (Ctrl+D)</source>
      <translation>断开所选客户端 (Ctrl+D)</translation>
    </message>
    <message>
      <source>Delete &amp;session</source>
      <translation>删除会话(&amp;S)</translation>
    </message>
    <message>
      <source>End the selected session: subscriptions and queued messages go (Shift+Del)</source>
      <translation>结束所选会话：订阅和排队消息将被删除 (Shift+Del)</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <source>&lt;p&gt;Select a client to see its details.&lt;/p&gt;</source>
      <translation>&lt;p&gt;选择一个客户端以查看详情。&lt;/p&gt;</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>已连接</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>离线</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Remote address</source>
      <translation>远程地址</translation>
    </message>
    <message>
      <source>Listener</source>
      <translation>监听器</translation>
    </message>
    <message>
      <source>MQTT version</source>
      <translation>MQTT 版本</translation>
    </message>
    <message>
      <source>Keep alive</source>
      <translation>保活</translation>
    </message>
    <message>
      <source>%1 s</source>
      <translation>%1 秒</translation>
    </message>
    <message>
      <source>Session expiry</source>
      <translation>会话过期</translation>
    </message>
    <message>
      <source>never</source>
      <translation>永不</translation>
    </message>
    <message>
      <source>Receive maximum</source>
      <translation>接收最大值</translation>
    </message>
    <message>
      <source>Maximum packet size</source>
      <translation>最大报文大小</translation>
    </message>
    <message>
      <source>no limit</source>
      <translation>无限制</translation>
    </message>
    <message>
      <source>Topic alias maximum</source>
      <translation>主题别名最大值</translation>
    </message>
    <message>
      <source>Inflight / queued</source>
      <translation>在途 / 排队</translation>
    </message>
    <message>
      <source>Messages in / out</source>
      <translation>消息 入 / 出</translation>
    </message>
    <message>
      <source>Connected since</source>
      <translation>连接时间</translation>
    </message>
    <message>
      <source>Disconnected at</source>
      <translation>断开时间</translation>
    </message>
    <message>
      <source>Will</source>
      <translation>遗嘱消息</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>主题</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>负载</translation>
    </message>
    <message>
      <source>QoS / retain</source>
      <translation>QoS / 保留</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>是</translation>
    </message>
    <message>
      <source>no</source>
      <translation>否</translation>
    </message>
    <message>
      <source>Delay</source>
      <translation>延迟</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>订阅</translation>
    </message>
    <message>
      <source>none</source>
      <translation>无</translation>
    </message>
    <message>
      <source>Node</source>
      <translation>节点</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::DashboardView</name>
    <message>
      <source>%1 d %2 h %3 min</source>
      <translation>%1 天 %2 小时 %3 分</translation>
    </message>
    <message>
      <source>%1 h %2 min</source>
      <translation>%1 小时 %2 分</translation>
    </message>
    <message>
      <source>%1 min %2 s</source>
      <translation>%1 分 %2 秒</translation>
    </message>
    <message>
      <source>Broker</source>
      <translation>代理</translation>
    </message>
    <message>
      <source>Connected clients</source>
      <translation>已连接客户端</translation>
    </message>
    <message>
      <source>Sessions</source>
      <translation>会话</translation>
    </message>
    <message>
      <source>Messages in /s</source>
      <translation>入站消息/秒</translation>
    </message>
    <message>
      <source>Messages out /s</source>
      <translation>出站消息/秒</translation>
    </message>
    <message>
      <source>Bytes in /s</source>
      <translation>入站字节/秒</translation>
    </message>
    <message>
      <source>Bytes out /s</source>
      <translation>出站字节/秒</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>订阅</translation>
    </message>
    <message>
      <source>Retained messages</source>
      <translation>保留消息</translation>
    </message>
    <message>
      <source>Inflight</source>
      <translation>在途</translation>
    </message>
    <message>
      <source>Dropped</source>
      <translation>已丢弃</translation>
    </message>
    <message>
      <source>Uptime</source>
      <translation>运行时间</translation>
    </message>
    <message>
      <source>Memory</source>
      <translation>内存</translation>
    </message>
    <message>
      <source>Messages per second</source>
      <translation>每秒消息数</translation>
    </message>
    <message>
      <source>in</source>
      <translation>入</translation>
    </message>
    <message>
      <source>out</source>
      <translation>出</translation>
    </message>
    <message>
      <source>Bytes per second</source>
      <translation>每秒字节数</translation>
    </message>
    <message>
      <source>Clients</source>
      <translation>客户端</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>已连接</translation>
    </message>
    <message>
      <source>subscriptions</source>
      <translation>订阅</translation>
    </message>
    <message>
      <source>inflight</source>
      <translation>传输中</translation>
    </message>
    <message>
      <source>Memory (MiB)</source>
      <translation>内存（MiB）</translation>
    </message>
    <message>
      <source>resident</source>
      <translation>常驻</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::EmbeddedBackend</name>
    <message>
      <source>Embedded broker stopped</source>
      <translation>内嵌代理已停止</translation>
    </message>
    <message>
      <source>Embedded broker running: %1</source>
      <translation>内嵌代理运行中：%1</translation>
    </message>
    <message>
      <source>Client %1 disconnected</source>
      <translation>客户端 %1 已断开</translation>
    </message>
    <message>
      <source>Cannot disconnect %1: %2</source>
      <translation>无法断开 %1：%2</translation>
    </message>
    <message>
      <source>Session %1 deleted</source>
      <translation>会话 %1 已删除</translation>
    </message>
    <message>
      <source>Cannot delete session %1: %2</source>
      <translation>无法删除会话 %1：%2</translation>
    </message>
    <message>
      <source>Retained message on %1 deleted</source>
      <translation>已删除 %1 上的保留消息</translation>
    </message>
    <message>
      <source>Cannot delete retained %1: %2</source>
      <translation>无法删除保留消息 %1：%2</translation>
    </message>
    <message>
      <source>Start the broker first</source>
      <translation>请先启动代理</translation>
    </message>
    <message>
      <source>Published to %1</source>
      <translation>已发布到 %1</translation>
    </message>
    <message>
      <source>Cannot publish to %1: %2</source>
      <translation>无法发布到 %1：%2</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::LogModel</name>
    <message>
      <source>debug</source>
      <translation>调试</translation>
    </message>
    <message>
      <source>info</source>
      <translation>信息</translation>
    </message>
    <message>
      <source>warning</source>
      <translation>警告</translation>
    </message>
    <message>
      <source>critical</source>
      <translation>严重</translation>
    </message>
    <message>
      <source>fatal</source>
      <translation>致命</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>级别</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>类别</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>消息</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::LogView</name>
    <message>
      <source>Debug and above</source>
      <translation>调试及以上</translation>
    </message>
    <message>
      <source>Info and above</source>
      <translation>信息及以上</translation>
    </message>
    <message>
      <source>Warnings and errors</source>
      <translation>警告和错误</translation>
    </message>
    <message>
      <source>Errors only</source>
      <translation>仅错误</translation>
    </message>
    <message>
      <source>Search the log</source>
      <translation>搜索日志</translation>
    </message>
    <message>
      <source>Clear</source>
      <translation>清除</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>级别</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MainWindow</name>
    <message>
      <source>Petrel Admin</source>
      <translation>Petrel Admin</translation>
    </message>
    <message>
      <source>Dashboard</source>
      <translation>仪表板</translation>
    </message>
    <message>
      <source>Clients</source>
      <translation>客户端</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>订阅</translation>
    </message>
    <message>
      <source>Topics</source>
      <translation>主题</translation>
    </message>
    <message>
      <source>Publish</source>
      <translation>发布</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>消息</translation>
    </message>
    <message>
      <source>Log</source>
      <translation>日志</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>%1 (Ctrl+%2)</source>
      <translation>%1 (Ctrl+%2)</translation>
    </message>
    <message>
      <source>&amp;Start</source>
      <translation>启动(&amp;S)</translation>
    </message>
    <message>
      <source>Start the embedded broker, or attach to petrel-server (F5)</source>
      <translation>启动内嵌代理，或连接到 petrel-server (F5)</translation>
    </message>
    <message>
      <source>S&amp;top</source>
      <translation>停止(&amp;T)</translation>
    </message>
    <message>
      <source>Stop the embedded broker, or detach (Shift+F5)</source>
      <translation>停止内嵌代理，或断开连接 (Shift+F5)</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>退出(&amp;Q)</translation>
    </message>
    <message>
      <source>Broker</source>
      <translation>代理</translation>
    </message>
    <message>
      <source>&amp;Broker</source>
      <translation>代理(&amp;B)</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>视图(&amp;V)</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <source>&amp;About Petrel Admin</source>
      <translation>关于 Petrel Admin(&amp;A)</translation>
    </message>
    <message>
      <source>About Petrel Admin</source>
      <translation>关于 Petrel Admin</translation>
    </message>
    <message>
      <source>&lt;b&gt;Petrel Admin&lt;/b&gt; %1&lt;br&gt;A desktop view of the Petrel MQTT broker: run one embedded, or attach to petrel-server through its admin API.</source>
      <translation>&lt;b&gt;Petrel Admin&lt;/b&gt; %1&lt;br&gt;Petrel MQTT 代理的桌面视图：内嵌运行一个代理，或通过管理 API 连接到 petrel-server。</translation>
    </message>
    <message>
      <source>Show Petrel Admin</source>
      <translation>显示 Petrel Admin</translation>
    </message>
    <message>
      <source>Start the broker or attach first (F5)</source>
      <translation>请先启动代理或连接 (F5)</translation>
    </message>
    <message>
      <source>Cannot start the broker: %1</source>
      <translation>无法启动代理：%1</translation>
    </message>
    <message>
      <source>The admin API URL is not valid</source>
      <translation>管理 API 地址无效</translation>
    </message>
    <message>
      <source>&amp;Attach</source>
      <translation>连接(&amp;A)</translation>
    </message>
    <message>
      <source>De&amp;tach</source>
      <translation>断开连接(&amp;T)</translation>
    </message>
    <message>
      <source>Stopped</source>
      <translation>已停止</translation>
    </message>
    <message>
      <source>Last config not loaded: %1</source>
      <translation>未能加载上次的配置：%1</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MessagesModel</name>
    <message>
      <source>retain</source>
      <translation>保留</translation>
    </message>
    <message>
      <source>(server)</source>
      <translation>（服务器）</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>主题</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>Retain</source>
      <translation>保留</translation>
    </message>
    <message>
      <source>From</source>
      <translation>来自</translation>
    </message>
    <message>
      <source>Bytes</source>
      <translation>字节</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>负载</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MessagesView</name>
    <message>
      <source>MQTT topic filter of the messages to show (+ and # allowed); Enter applies it</source>
      <translation>要显示的消息的 MQTT 主题过滤器（可用 + 和 #）；按回车应用</translation>
    </message>
    <message>
      <source>Search topic, client, payload</source>
      <translation>搜索主题、客户端、负载</translation>
    </message>
    <message>
      <source>Pause</source>
      <translation>暂停</translation>
    </message>
    <message>
      <source>Pause the live log (Ctrl+P)</source>
      <translation>暂停实时日志 (Ctrl+P)</translation>
    </message>
    <message>
      <source>Clear</source>
      <translation>清除</translation>
    </message>
    <message>
      <source>Export…</source>
      <translation>导出…</translation>
    </message>
    <message>
      <source>Save the shown messages as JSON lines</source>
      <translation>将显示的消息保存为 JSON Lines</translation>
    </message>
    <message>
      <source>Export messages</source>
      <translation>导出消息</translation>
    </message>
    <message>
      <source>JSON lines (*.jsonl *.json)</source>
      <translation>JSON Lines (*.jsonl *.json)</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>过滤器</translation>
    </message>
    <message>
      <source>"%1" is not a valid topic filter</source>
      <translation>"%1" 不是有效的主题过滤器</translation>
    </message>
    <message>
      <source>%1 messages on %2</source>
      <translation>%2 上的 %1 条消息</translation>
    </message>
    <message>
      <source>paused, %1 not shown</source>
      <translation>已暂停，%1 条未显示</translation>
    </message>
    <message>
      <source>%1 not captured (over 80,000/s)</source>
      <translation>%1 条未捕获（超过 80,000/秒）</translation>
    </message>
    <message>
      <source>Cannot write %1: %2</source>
      <translation>无法写入 %1：%2</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::PublishView</name>
    <message>
      <source>e.g. home/kitchen/lamp</source>
      <translation>例如 home/kitchen/lamp</translation>
    </message>
    <message>
      <source>Retain</source>
      <translation>保留</translation>
    </message>
    <message>
      <source>Text</source>
      <translation>文本</translation>
    </message>
    <message>
      <source>Hex</source>
      <translation>十六进制</translation>
    </message>
    <message>
      <source>JSON</source>
      <translation>JSON</translation>
    </message>
    <message>
      <source>File</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>File whose bytes are the payload</source>
      <translation>以其字节作为负载的文件</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>Payload file</source>
      <translation>负载文件</translation>
    </message>
    <message>
      <source>MQTT 5 properties</source>
      <translation>MQTT 5 属性</translation>
    </message>
    <message>
      <source>none</source>
      <translation>无</translation>
    </message>
    <message>
      <source> s</source>
      <translation> 秒</translation>
    </message>
    <message>
      <source>Payload is UTF-8 (format indicator 1)</source>
      <translation>负载为 UTF-8（格式指示 1）</translation>
    </message>
    <message>
      <source>Key</source>
      <translation>键</translation>
    </message>
    <message>
      <source>Value</source>
      <translation>值</translation>
    </message>
    <message>
      <source>Add user property</source>
      <translation>添加用户属性</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>移除</translation>
    </message>
    <message>
      <source>Content type</source>
      <translation>内容类型</translation>
    </message>
    <message>
      <source>Response topic</source>
      <translation>响应主题</translation>
    </message>
    <message>
      <source>Correlation data</source>
      <translation>关联数据</translation>
    </message>
    <message>
      <source>Message expiry</source>
      <translation>消息过期</translation>
    </message>
    <message>
      <source>User properties</source>
      <translation>用户属性</translation>
    </message>
    <message>
      <source>&amp;Publish</source>
      <translation>发布(&amp;P)</translation>
    </message>
    <message>
      <source>Publish (Ctrl+Return)</source>
      <translation>发布 (Ctrl+回车)</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>主题</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>Payload as</source>
      <translation>负载格式</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>负载</translation>
    </message>
    <message>
      <source>Send again</source>
      <translation>再次发送</translation>
    </message>
    <message>
      <source>History (double-click to load)</source>
      <translation>历史（双击加载）</translation>
    </message>
    <message>
      <source>Enter a topic.</source>
      <translation>请输入主题。</translation>
    </message>
    <message>
      <source>A topic to publish to cannot contain + or #.</source>
      <translation>发布的主题不能包含 + 或 #。</translation>
    </message>
    <message>
      <source>Hex payload: give pairs of hex digits, e.g. 01 ff 7a.</source>
      <translation>十六进制负载：请输入成对的十六进制数字，例如 01 ff 7a。</translation>
    </message>
    <message>
      <source>JSON payload: %1 at character %2.</source>
      <translation>JSON 负载：第 %2 个字符处 %1。</translation>
    </message>
    <message>
      <source>Choose a payload file.</source>
      <translation>请选择负载文件。</translation>
    </message>
    <message>
      <source>Cannot read %1: %2</source>
      <translation>无法读取 %1：%2</translation>
    </message>
    <message>
      <source>The file is larger than an MQTT payload may be (256 MB).</source>
      <translation>文件超过 MQTT 负载的上限（256 MB）。</translation>
    </message>
    <message>
      <source>The response topic cannot contain + or #.</source>
      <translation>响应主题不能包含 + 或 #。</translation>
    </message>
    <message>
      <source>The payload is not valid UTF-8.</source>
      <translation>负载不是有效的 UTF-8。</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SettingsView</name>
    <message>
      <source>Mode</source>
      <translation>模式</translation>
    </message>
    <message>
      <source>Embedded: run a broker inside petrel-admin</source>
      <translation>内嵌：在 petrel-admin 中运行代理</translation>
    </message>
    <message>
      <source>Attached: watch a running petrel-server through its admin API</source>
      <translation>连接：通过管理 API 监视运行中的 petrel-server</translation>
    </message>
    <message>
      <source>Embedded broker</source>
      <translation>内嵌代理</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>类型</translation>
    </message>
    <message>
      <source>ID</source>
      <translation>ID</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <source>Add listener</source>
      <translation>添加监听器</translation>
    </message>
    <message>
      <source>Remove listener</source>
      <translation>移除监听器</translation>
    </message>
    <message>
      <source>Allow every client (no authentication; for development)</source>
      <translation>允许所有客户端（无认证，仅用于开发）</translation>
    </message>
    <message>
      <source>one per core</source>
      <translation>每核一个</translation>
    </message>
    <message>
      <source> s</source>
      <translation> 秒</translation>
    </message>
    <message>
      <source>off</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>unlimited</source>
      <translation>无限制</translation>
    </message>
    <message>
      <source>no maximum</source>
      <translation>无上限</translation>
    </message>
    <message>
      <source>Retained messages available</source>
      <translation>启用保留消息</translation>
    </message>
    <message>
      <source>debug</source>
      <translation>调试</translation>
    </message>
    <message>
      <source>info</source>
      <translation>信息</translation>
    </message>
    <message>
      <source>warn</source>
      <translation>警告</translation>
    </message>
    <message>
      <source>error</source>
      <translation>错误</translation>
    </message>
    <message>
      <source>Listeners</source>
      <translation>监听器</translation>
    </message>
    <message>
      <source>Types: tcp, ws, unix, sysinfo, healthcheck</source>
      <translation>类型：tcp、ws、unix、sysinfo、healthcheck</translation>
    </message>
    <message>
      <source>Worker threads</source>
      <translation>工作线程</translation>
    </message>
    <message>
      <source>$SYS interval</source>
      <translation>$SYS 间隔</translation>
    </message>
    <message>
      <source>Maximum clients</source>
      <translation>最大客户端数</translation>
    </message>
    <message>
      <source>Maximum QoS</source>
      <translation>最大 QoS</translation>
    </message>
    <message>
      <source>Maximum inflight</source>
      <translation>最大在途数</translation>
    </message>
    <message>
      <source>Maximum keep alive</source>
      <translation>最大保活时间</translation>
    </message>
    <message>
      <source>Log level</source>
      <translation>日志级别</translation>
    </message>
    <message>
      <source>Not saved yet</source>
      <translation>尚未保存</translation>
    </message>
    <message>
      <source>Open config…</source>
      <translation>打开配置…</translation>
    </message>
    <message>
      <source>Save config as…</source>
      <translation>配置另存为…</translation>
    </message>
    <message>
      <source>Open Petrel config</source>
      <translation>打开 Petrel 配置</translation>
    </message>
    <message>
      <source>Config files (*.yaml *.yml *.json)</source>
      <translation>配置文件 (*.yaml *.yml *.json)</translation>
    </message>
    <message>
      <source>Save Petrel config</source>
      <translation>保存 Petrel 配置</translation>
    </message>
    <message>
      <source>YAML (*.yaml *.yml)</source>
      <translation>YAML (*.yaml *.yml)</translation>
    </message>
    <message>
      <source>Config file</source>
      <translation>配置文件</translation>
    </message>
    <message>
      <source>Attached to petrel-server</source>
      <translation>连接到 petrel-server</translation>
    </message>
    <message>
      <source>Admin API URL</source>
      <translation>管理 API 地址</translation>
    </message>
    <message>
      <source>Admin token</source>
      <translation>管理令牌</translation>
    </message>
    <message>
      <source>The server's sysinfo listener needs admin_token set (docs/admin-api.md).</source>
      <translation>服务器的 sysinfo 监听器需要设置 admin_token（docs/admin-api.md）。</translation>
    </message>
    <message>
      <source>Application</source>
      <translation>应用程序</translation>
    </message>
    <message>
      <source>System language</source>
      <translation>系统语言</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>Listener %1 needs an ID and an address.</source>
      <translation>监听器 %1 需要 ID 和地址。</translation>
    </message>
    <message>
      <source>Two listeners are called "%1".</source>
      <translation>有两个监听器都叫 "%1"。</translation>
    </message>
    <message>
      <source>Cannot write %1: %2</source>
      <translation>无法写入 %1：%2</translation>
    </message>
    <message>
      <source>Saved, but the file does not load back: %1</source>
      <translation>已保存，但无法重新加载：%1</translation>
    </message>
    <message>
      <source>Remember the token</source>
      <translation>记住令牌</translation>
    </message>
    <message>
      <source>Keeps the token for the next start, in plain text in %1. Unticked, it is kept only while the app runs.</source>
      <translation>为下次启动保存令牌，以明文存放在 %1 中。不勾选时，令牌只在应用运行期间保留。</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SubscriptionsModel</name>
    <message>
      <source>yes</source>
      <translation>是</translation>
    </message>
    <message>
      <source>no</source>
      <translation>否</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>过滤器</translation>
    </message>
    <message>
      <source>Client ID</source>
      <translation>客户端 ID</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>No Local</source>
      <translation>No Local</translation>
    </message>
    <message>
      <source>Retain As Published</source>
      <translation>Retain As Published</translation>
    </message>
    <message>
      <source>Retain Handling</source>
      <translation>Retain Handling</translation>
    </message>
    <message>
      <source>Identifier</source>
      <translation>标识符</translation>
    </message>
    <message>
      <source>Shared group</source>
      <translation>共享组</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SubscriptionsView</name>
    <message>
      <source>Filter subscriptions (filter, client, group)</source>
      <translation>筛选订阅（过滤器、客户端、组）</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::TopicTreeModel</name>
    <message>
      <source>%1 (%2 here)</source>
      <translation>%1（此处 %2）</translation>
    </message>
    <message>
      <source>retained</source>
      <translation>保留</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>主题</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>消息</translation>
    </message>
    <message>
      <source>Retained</source>
      <translation>保留</translation>
    </message>
    <message>
      <source>Last payload</source>
      <translation>最新负载</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::TopicsView</name>
    <message>
      <source>Text</source>
      <translation>文本</translation>
    </message>
    <message>
      <source>Hex</source>
      <translation>十六进制</translation>
    </message>
    <message>
      <source>JSON (pretty)</source>
      <translation>JSON（格式化）</translation>
    </message>
    <message>
      <source>Delete retained</source>
      <translation>删除保留消息</translation>
    </message>
    <message>
      <source>Publish here…</source>
      <translation>发布到此处…</translation>
    </message>
    <message>
      <source>Show payload as</source>
      <translation>负载显示为</translation>
    </message>
    <message>
      <source>Select a topic</source>
      <translation>请选择主题</translation>
    </message>
    <message>
      <source>No message on this exact topic yet; %1 below it.</source>
      <translation>此主题本身尚无消息；其下有 %1 条。</translation>
    </message>
    <message>
      <source>%1 messages · last at %2 · QoS %3 · %4 bytes</source>
      <translation>%1 条消息 · 最后于 %2 · QoS %3 · %4 字节</translation>
    </message>
    <message>
      <source>retained</source>
      <translation>保留</translation>
    </message>
  </context>
</TS>
