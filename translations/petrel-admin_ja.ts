<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja">
  <context>
    <name>QObject</name>
    <message>
      <source>%1 (%2)</source>
      <translation>%1 (%2)</translation>
    </message>
  </context>
  <context>
    <name>petrel-admin</name>
    <message>
      <source>Petrel Admin: run or watch a Petrel MQTT broker.</source>
      <translation>Petrel Admin: Petrel MQTT ブローカーを実行または監視します。</translation>
    </message>
    <message>
      <source>Embedded mode (a broker in this process).</source>
      <translation>組み込みモード (このプロセス内のブローカー)。</translation>
    </message>
    <message>
      <source>Load the embedded broker's settings from &lt;file&gt;.</source>
      <translation>組み込みブローカーの設定を &lt;file&gt; から読み込みます。</translation>
    </message>
    <message>
      <source>Attached mode: the admin API at &lt;url&gt;.</source>
      <translation>接続モード: &lt;url&gt; の管理 API。</translation>
    </message>
    <message>
      <source>Admin token for --attach.</source>
      <translation>--attach 用の管理トークン。</translation>
    </message>
    <message>
      <source>Start the broker (or attach) right away.</source>
      <translation>ブローカーをすぐに起動 (または接続) します。</translation>
    </message>
    <message>
      <source>Open a view: dashboard, clients, subscriptions, topics, publish, messages, log, settings.</source>
      <translation>ビューを開きます: dashboard、clients、subscriptions、topics、publish、messages、log、settings。</translation>
    </message>
    <message>
      <source>UI language: en, de, ja, zh_CN.</source>
      <translation>UI の言語: en、de、ja、zh_CN。</translation>
    </message>
    <message>
      <source>Save a PNG of every view into &lt;dir&gt; after --screenshot-delay seconds, then quit (gui/screenshots.sh).</source>
      <translation>--screenshot-delay 秒後に各ビューの PNG を &lt;dir&gt; に保存して終了します (gui/screenshots.sh)。</translation>
    </message>
    <message>
      <source>Seconds to run before --screenshots (default 8).</source>
      <translation>--screenshots の前に実行する秒数 (既定 8)。</translation>
    </message>
    <message>
      <source>unknown view '%1'</source>
      <translation>不明なビュー '%1'</translation>
    </message>
    <message>
      <source>cannot write %1</source>
      <translation>%1 に書き込めません</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::AttachedBackend</name>
    <message>
      <source>Attached to %1</source>
      <translation>%1 に接続中</translation>
    </message>
    <message>
      <source>Not attached to %1: %2</source>
      <translation>%1 に接続していません: %2</translation>
    </message>
    <message>
      <source>Not attached</source>
      <translation>未接続</translation>
    </message>
    <message>
      <source>%1 failed: %2</source>
      <translation>%1 に失敗しました: %2</translation>
    </message>
    <message>
      <source>Client %1 disconnected</source>
      <translation>クライアント %1 を切断しました</translation>
    </message>
    <message>
      <source>Session %1 deleted</source>
      <translation>セッション %1 を削除しました</translation>
    </message>
    <message>
      <source>Retained message on %1 deleted</source>
      <translation>%1 の保持メッセージを削除しました</translation>
    </message>
    <message>
      <source>Published to %1</source>
      <translation>%1 にパブリッシュしました</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::Backend</name>
    <message>
      <source>no such client or topic</source>
      <translation>該当するクライアントまたはトピックがありません</translation>
    </message>
    <message>
      <source>the client is not connected</source>
      <translation>クライアントは接続されていません</translation>
    </message>
    <message>
      <source>a server may not send this reason code</source>
      <translation>この理由コードはサーバーから送信できません</translation>
    </message>
    <message>
      <source>the broker did not answer in time</source>
      <translation>ブローカーが時間内に応答しませんでした</translation>
    </message>
    <message>
      <source>no such worker thread</source>
      <translation>そのワーカースレッドはありません</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::ClientsModel</name>
    <message>
      <source>never</source>
      <translation>なし</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>接続中</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>オフライン</translation>
    </message>
    <message>
      <source>Client ID</source>
      <translation>クライアント ID</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>ユーザー名</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状態</translation>
    </message>
    <message>
      <source>Remote address</source>
      <translation>リモートアドレス</translation>
    </message>
    <message>
      <source>Listener</source>
      <translation>リスナー</translation>
    </message>
    <message>
      <source>MQTT</source>
      <translation>MQTT</translation>
    </message>
    <message>
      <source>Keep alive</source>
      <translation>キープアライブ</translation>
    </message>
    <message>
      <source>Session expiry</source>
      <translation>セッション有効期限</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>購読</translation>
    </message>
    <message>
      <source>Inflight</source>
      <translation>送信中</translation>
    </message>
    <message>
      <source>Queued</source>
      <translation>キュー</translation>
    </message>
    <message>
      <source>Msgs in</source>
      <translation>受信数</translation>
    </message>
    <message>
      <source>Msgs out</source>
      <translation>送信数</translation>
    </message>
    <message>
      <source>Connected since</source>
      <translation>接続開始</translation>
    </message>
    <message>
      <source>Node</source>
      <translation>ノード</translation>
    </message>
    <message>
      <source>Worker</source>
      <translation>ワーカー</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::ClientsView</name>
    <message>
      <source>Filter clients (id, user, address, …)</source>
      <translation>クライアントを絞り込み (ID、ユーザー、アドレス…)</translation>
    </message>
    <message>
      <source>0x98 Administrative action</source>
      <translation>0x98 管理操作</translation>
    </message>
    <message>
      <source>0x00 Normal disconnection</source>
      <translation>0x00 正常切断</translation>
    </message>
    <message>
      <source>0x8B Server shutting down</source>
      <translation>0x8B サーバー停止中</translation>
    </message>
    <message>
      <source>0x87 Not authorized</source>
      <translation>0x87 権限なし</translation>
    </message>
    <message>
      <source>0x89 Server busy</source>
      <translation>0x89 サーバービジー</translation>
    </message>
    <message>
      <source>0x9C Use another server</source>
      <translation>0x9C 別のサーバーを使用</translation>
    </message>
    <message>
      <source>0x9D Server moved</source>
      <translation>0x9D サーバー移転</translation>
    </message>
    <message>
      <source>0x97 Quota exceeded</source>
      <translation>0x97 クォータ超過</translation>
    </message>
    <message>
      <source>Reason code sent to MQTT 5 clients in DISCONNECT (3.x clients are just closed)</source>
      <translation>MQTT 5 クライアントに DISCONNECT で送る理由コード (3.x クライアントは接続を閉じるだけ)</translation>
    </message>
    <message>
      <source>&amp;Disconnect</source>
      <translation>切断(&amp;D)</translation>
    </message>
    <message>
      <source>Disconnect the selected client (Ctrl+D)</source>
      <translation>選択したクライアントを切断 (Ctrl+D)</translation>
    </message>
    <message>
      <source>Delete &amp;session</source>
      <translation>セッションを削除(&amp;S)</translation>
    </message>
    <message>
      <source>End the selected session: subscriptions and queued messages go (Shift+Del)</source>
      <translation>選択したセッションを終了: 購読とキュー内のメッセージは削除されます (Shift+Del)</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>詳細</translation>
    </message>
    <message>
      <source>&lt;p&gt;Select a client to see its details.&lt;/p&gt;</source>
      <translation>&lt;p&gt;クライアントを選択すると詳細が表示されます。&lt;/p&gt;</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状態</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>接続中</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>オフライン</translation>
    </message>
    <message>
      <source>Username</source>
      <translation>ユーザー名</translation>
    </message>
    <message>
      <source>Remote address</source>
      <translation>リモートアドレス</translation>
    </message>
    <message>
      <source>Listener</source>
      <translation>リスナー</translation>
    </message>
    <message>
      <source>MQTT version</source>
      <translation>MQTT バージョン</translation>
    </message>
    <message>
      <source>Keep alive</source>
      <translation>キープアライブ</translation>
    </message>
    <message>
      <source>%1 s</source>
      <translation>%1 秒</translation>
    </message>
    <message>
      <source>Session expiry</source>
      <translation>セッション有効期限</translation>
    </message>
    <message>
      <source>never</source>
      <translation>なし</translation>
    </message>
    <message>
      <source>Receive maximum</source>
      <translation>受信最大数</translation>
    </message>
    <message>
      <source>Maximum packet size</source>
      <translation>最大パケットサイズ</translation>
    </message>
    <message>
      <source>no limit</source>
      <translation>制限なし</translation>
    </message>
    <message>
      <source>Topic alias maximum</source>
      <translation>トピックエイリアス最大数</translation>
    </message>
    <message>
      <source>Inflight / queued</source>
      <translation>送信中 / キュー</translation>
    </message>
    <message>
      <source>Messages in / out</source>
      <translation>メッセージ 受信 / 送信</translation>
    </message>
    <message>
      <source>Connected since</source>
      <translation>接続開始</translation>
    </message>
    <message>
      <source>Disconnected at</source>
      <translation>切断時刻</translation>
    </message>
    <message>
      <source>Will</source>
      <translation>Will メッセージ</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>トピック</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>ペイロード</translation>
    </message>
    <message>
      <source>QoS / retain</source>
      <translation>QoS / 保持</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>はい</translation>
    </message>
    <message>
      <source>no</source>
      <translation>いいえ</translation>
    </message>
    <message>
      <source>Delay</source>
      <translation>遅延</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>購読</translation>
    </message>
    <message>
      <source>none</source>
      <translation>なし</translation>
    </message>
    <message>
      <source>Node</source>
      <translation>ノード</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::DashboardView</name>
    <message>
      <source>%1 d %2 h %3 min</source>
      <translation>%1 日 %2 時間 %3 分</translation>
    </message>
    <message>
      <source>%1 h %2 min</source>
      <translation>%1 時間 %2 分</translation>
    </message>
    <message>
      <source>%1 min %2 s</source>
      <translation>%1 分 %2 秒</translation>
    </message>
    <message>
      <source>Broker</source>
      <translation>ブローカー</translation>
    </message>
    <message>
      <source>Connected clients</source>
      <translation>接続中のクライアント</translation>
    </message>
    <message>
      <source>Sessions</source>
      <translation>セッション</translation>
    </message>
    <message>
      <source>Messages in /s</source>
      <translation>受信メッセージ/秒</translation>
    </message>
    <message>
      <source>Messages out /s</source>
      <translation>送信メッセージ/秒</translation>
    </message>
    <message>
      <source>Bytes in /s</source>
      <translation>受信バイト/秒</translation>
    </message>
    <message>
      <source>Bytes out /s</source>
      <translation>送信バイト/秒</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>購読</translation>
    </message>
    <message>
      <source>Retained messages</source>
      <translation>保持メッセージ</translation>
    </message>
    <message>
      <source>Inflight</source>
      <translation>送信中</translation>
    </message>
    <message>
      <source>Dropped</source>
      <translation>破棄</translation>
    </message>
    <message>
      <source>Uptime</source>
      <translation>稼働時間</translation>
    </message>
    <message>
      <source>Memory</source>
      <translation>メモリ</translation>
    </message>
    <message>
      <source>Messages per second</source>
      <translation>毎秒メッセージ数</translation>
    </message>
    <message>
      <source>in</source>
      <translation>受信</translation>
    </message>
    <message>
      <source>out</source>
      <translation>送信</translation>
    </message>
    <message>
      <source>Bytes per second</source>
      <translation>毎秒バイト数</translation>
    </message>
    <message>
      <source>Clients</source>
      <translation>クライアント</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>接続中</translation>
    </message>
    <message>
      <source>subscriptions</source>
      <translation>サブスクリプション</translation>
    </message>
    <message>
      <source>inflight</source>
      <translation>送信中</translation>
    </message>
    <message>
      <source>Memory (MiB)</source>
      <translation>メモリ (MiB)</translation>
    </message>
    <message>
      <source>resident</source>
      <translation>常駐</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::EmbeddedBackend</name>
    <message>
      <source>Embedded broker stopped</source>
      <translation>組み込みブローカー停止</translation>
    </message>
    <message>
      <source>Embedded broker running: %1</source>
      <translation>組み込みブローカー実行中: %1</translation>
    </message>
    <message>
      <source>Client %1 disconnected</source>
      <translation>クライアント %1 を切断しました</translation>
    </message>
    <message>
      <source>Cannot disconnect %1: %2</source>
      <translation>%1 を切断できません: %2</translation>
    </message>
    <message>
      <source>Session %1 deleted</source>
      <translation>セッション %1 を削除しました</translation>
    </message>
    <message>
      <source>Cannot delete session %1: %2</source>
      <translation>セッション %1 を削除できません: %2</translation>
    </message>
    <message>
      <source>Retained message on %1 deleted</source>
      <translation>%1 の保持メッセージを削除しました</translation>
    </message>
    <message>
      <source>Cannot delete retained %1: %2</source>
      <translation>保持メッセージ %1 を削除できません: %2</translation>
    </message>
    <message>
      <source>Start the broker first</source>
      <translation>先にブローカーを開始してください</translation>
    </message>
    <message>
      <source>Published to %1</source>
      <translation>%1 にパブリッシュしました</translation>
    </message>
    <message>
      <source>Cannot publish to %1: %2</source>
      <translation>%1 にパブリッシュできません: %2</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::LogModel</name>
    <message>
      <source>debug</source>
      <translation>デバッグ</translation>
    </message>
    <message>
      <source>info</source>
      <translation>情報</translation>
    </message>
    <message>
      <source>warning</source>
      <translation>警告</translation>
    </message>
    <message>
      <source>critical</source>
      <translation>重大</translation>
    </message>
    <message>
      <source>fatal</source>
      <translation>致命的</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>時刻</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>レベル</translation>
    </message>
    <message>
      <source>Category</source>
      <translation>カテゴリ</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>メッセージ</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::LogView</name>
    <message>
      <source>Debug and above</source>
      <translation>デバッグ以上</translation>
    </message>
    <message>
      <source>Info and above</source>
      <translation>情報以上</translation>
    </message>
    <message>
      <source>Warnings and errors</source>
      <translation>警告とエラー</translation>
    </message>
    <message>
      <source>Errors only</source>
      <translation>エラーのみ</translation>
    </message>
    <message>
      <source>Search the log</source>
      <translation>ログを検索</translation>
    </message>
    <message>
      <source>Clear</source>
      <translation>クリア</translation>
    </message>
    <message>
      <source>Level</source>
      <translation>レベル</translation>
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
      <translation>ダッシュボード</translation>
    </message>
    <message>
      <source>Clients</source>
      <translation>クライアント</translation>
    </message>
    <message>
      <source>Subscriptions</source>
      <translation>購読</translation>
    </message>
    <message>
      <source>Topics</source>
      <translation>トピック</translation>
    </message>
    <message>
      <source>Publish</source>
      <translation>パブリッシュ</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>メッセージ</translation>
    </message>
    <message>
      <source>Log</source>
      <translation>ログ</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>設定</translation>
    </message>
    <message>
      <source>%1 (Ctrl+%2)</source>
      <translation>%1 (Ctrl+%2)</translation>
    </message>
    <message>
      <source>&amp;Start</source>
      <translation>開始(&amp;S)</translation>
    </message>
    <message>
      <source>Start the embedded broker, or attach to petrel-server (F5)</source>
      <translation>組み込みブローカーを開始、または petrel-server に接続 (F5)</translation>
    </message>
    <message>
      <source>S&amp;top</source>
      <translation>停止(&amp;T)</translation>
    </message>
    <message>
      <source>Stop the embedded broker, or detach (Shift+F5)</source>
      <translation>組み込みブローカーを停止、または切断 (Shift+F5)</translation>
    </message>
    <message>
      <source>&amp;Quit</source>
      <translation>終了(&amp;Q)</translation>
    </message>
    <message>
      <source>Broker</source>
      <translation>ブローカー</translation>
    </message>
    <message>
      <source>&amp;Broker</source>
      <translation>ブローカー(&amp;B)</translation>
    </message>
    <message>
      <source>&amp;View</source>
      <translation>表示(&amp;V)</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
      <source>&amp;About Petrel Admin</source>
      <translation>Petrel Admin について(&amp;A)</translation>
    </message>
    <message>
      <source>About Petrel Admin</source>
      <translation>Petrel Admin について</translation>
    </message>
    <message>
      <source>&lt;b&gt;Petrel Admin&lt;/b&gt; %1&lt;br&gt;A desktop view of the Petrel MQTT broker: run one embedded, or attach to petrel-server through its admin API.</source>
      <translation>&lt;b&gt;Petrel Admin&lt;/b&gt; %1&lt;br&gt;Petrel MQTT ブローカーのデスクトップビュー: 組み込みで実行するか、管理 API で petrel-server に接続します。</translation>
    </message>
    <message>
      <source>Show Petrel Admin</source>
      <translation>Petrel Admin を表示</translation>
    </message>
    <message>
      <source>Start the broker or attach first (F5)</source>
      <translation>先にブローカーを開始するか接続してください (F5)</translation>
    </message>
    <message>
      <source>Cannot start the broker: %1</source>
      <translation>ブローカーを開始できません: %1</translation>
    </message>
    <message>
      <source>The admin API URL is not valid</source>
      <translation>管理 API の URL が無効です</translation>
    </message>
    <message>
      <source>&amp;Attach</source>
      <translation>接続(&amp;A)</translation>
    </message>
    <message>
      <source>De&amp;tach</source>
      <translation>切断(&amp;T)</translation>
    </message>
    <message>
      <source>Stopped</source>
      <translation>停止中</translation>
    </message>
    <message>
      <source>Last config not loaded: %1</source>
      <translation>前回の設定を読み込めませんでした: %1</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MessagesModel</name>
    <message>
      <source>retain</source>
      <translation>保持</translation>
    </message>
    <message>
      <source>(server)</source>
      <translation>(サーバー)</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>時刻</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>トピック</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>Retain</source>
      <translation>保持</translation>
    </message>
    <message>
      <source>From</source>
      <translation>送信元</translation>
    </message>
    <message>
      <source>Bytes</source>
      <translation>バイト</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>ペイロード</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::MessagesView</name>
    <message>
      <source>MQTT topic filter of the messages to show (+ and # allowed); Enter applies it</source>
      <translation>表示するメッセージの MQTT トピックフィルター (+ と # 可)。Enter で適用</translation>
    </message>
    <message>
      <source>Search topic, client, payload</source>
      <translation>トピック・クライアント・ペイロードを検索</translation>
    </message>
    <message>
      <source>Pause</source>
      <translation>一時停止</translation>
    </message>
    <message>
      <source>Pause the live log (Ctrl+P)</source>
      <translation>ライブログを一時停止 (Ctrl+P)</translation>
    </message>
    <message>
      <source>Clear</source>
      <translation>クリア</translation>
    </message>
    <message>
      <source>Export…</source>
      <translation>エクスポート…</translation>
    </message>
    <message>
      <source>Save the shown messages as JSON lines</source>
      <translation>表示中のメッセージを JSON Lines で保存</translation>
    </message>
    <message>
      <source>Export messages</source>
      <translation>メッセージをエクスポート</translation>
    </message>
    <message>
      <source>JSON lines (*.jsonl *.json)</source>
      <translation>JSON Lines (*.jsonl *.json)</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>フィルター</translation>
    </message>
    <message>
      <source>"%1" is not a valid topic filter</source>
      <translation>"%1" は有効なトピックフィルターではありません</translation>
    </message>
    <message>
      <source>%1 messages on %2</source>
      <translation>%2 のメッセージ %1 件</translation>
    </message>
    <message>
      <source>paused, %1 not shown</source>
      <translation>一時停止中、%1 件未表示</translation>
    </message>
    <message>
      <source>%1 not captured (over 80,000/s)</source>
      <translation>%1 件は未取得 (80,000/秒 超)</translation>
    </message>
    <message>
      <source>Cannot write %1: %2</source>
      <translation>%1 に書き込めません: %2</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::PublishView</name>
    <message>
      <source>e.g. home/kitchen/lamp</source>
      <translation>例: home/kitchen/lamp</translation>
    </message>
    <message>
      <source>Retain</source>
      <translation>保持</translation>
    </message>
    <message>
      <source>Text</source>
      <translation>テキスト</translation>
    </message>
    <message>
      <source>Hex</source>
      <translation>16 進</translation>
    </message>
    <message>
      <source>JSON</source>
      <translation>JSON</translation>
    </message>
    <message>
      <source>File</source>
      <translation>ファイル</translation>
    </message>
    <message>
      <source>File whose bytes are the payload</source>
      <translation>内容をペイロードとするファイル</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>参照…</translation>
    </message>
    <message>
      <source>Payload file</source>
      <translation>ペイロードファイル</translation>
    </message>
    <message>
      <source>MQTT 5 properties</source>
      <translation>MQTT 5 プロパティ</translation>
    </message>
    <message>
      <source>none</source>
      <translation>なし</translation>
    </message>
    <message>
      <source> s</source>
      <translation> 秒</translation>
    </message>
    <message>
      <source>Payload is UTF-8 (format indicator 1)</source>
      <translation>ペイロードは UTF-8 (フォーマット指示子 1)</translation>
    </message>
    <message>
      <source>Key</source>
      <translation>キー</translation>
    </message>
    <message>
      <source>Value</source>
      <translation>値</translation>
    </message>
    <message>
      <source>Add user property</source>
      <translation>ユーザープロパティを追加</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>削除</translation>
    </message>
    <message>
      <source>Content type</source>
      <translation>コンテンツタイプ</translation>
    </message>
    <message>
      <source>Response topic</source>
      <translation>応答トピック</translation>
    </message>
    <message>
      <source>Correlation data</source>
      <translation>相関データ</translation>
    </message>
    <message>
      <source>Message expiry</source>
      <translation>メッセージ有効期限</translation>
    </message>
    <message>
      <source>User properties</source>
      <translation>ユーザープロパティ</translation>
    </message>
    <message>
      <source>&amp;Publish</source>
      <translation>パブリッシュ(&amp;P)</translation>
    </message>
    <message>
      <source>Publish (Ctrl+Return)</source>
      <translation>パブリッシュ (Ctrl+Enter)</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>トピック</translation>
    </message>
    <message>
      <source>QoS</source>
      <translation>QoS</translation>
    </message>
    <message>
      <source>Payload as</source>
      <translation>ペイロード形式</translation>
    </message>
    <message>
      <source>Payload</source>
      <translation>ペイロード</translation>
    </message>
    <message>
      <source>Send again</source>
      <translation>再送信</translation>
    </message>
    <message>
      <source>History (double-click to load)</source>
      <translation>履歴 (ダブルクリックで読み込み)</translation>
    </message>
    <message>
      <source>Enter a topic.</source>
      <translation>トピックを入力してください。</translation>
    </message>
    <message>
      <source>A topic to publish to cannot contain + or #.</source>
      <translation>パブリッシュ先のトピックに + や # は使えません。</translation>
    </message>
    <message>
      <source>Hex payload: give pairs of hex digits, e.g. 01 ff 7a.</source>
      <translation>16 進ペイロード: 01 ff 7a のように 2 桁ずつ入力してください。</translation>
    </message>
    <message>
      <source>JSON payload: %1 at character %2.</source>
      <translation>JSON ペイロード: %2 文字目で %1。</translation>
    </message>
    <message>
      <source>Choose a payload file.</source>
      <translation>ペイロードファイルを選択してください。</translation>
    </message>
    <message>
      <source>Cannot read %1: %2</source>
      <translation>%1 を読み込めません: %2</translation>
    </message>
    <message>
      <source>The file is larger than an MQTT payload may be (256 MB).</source>
      <translation>ファイルが MQTT ペイロードの上限 (256 MB) を超えています。</translation>
    </message>
    <message>
      <source>The response topic cannot contain + or #.</source>
      <translation>応答トピックに + や # は使えません。</translation>
    </message>
    <message>
      <source>The payload is not valid UTF-8.</source>
      <translation>ペイロードが有効な UTF-8 ではありません。</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SettingsView</name>
    <message>
      <source>Mode</source>
      <translation>モード</translation>
    </message>
    <message>
      <source>Embedded: run a broker inside petrel-admin</source>
      <translation>組み込み: petrel-admin 内でブローカーを実行</translation>
    </message>
    <message>
      <source>Attached: watch a running petrel-server through its admin API</source>
      <translation>接続: 実行中の petrel-server を管理 API で監視</translation>
    </message>
    <message>
      <source>Embedded broker</source>
      <translation>組み込みブローカー</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>種類</translation>
    </message>
    <message>
      <source>ID</source>
      <translation>ID</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>アドレス</translation>
    </message>
    <message>
      <source>Add listener</source>
      <translation>リスナーを追加</translation>
    </message>
    <message>
      <source>Remove listener</source>
      <translation>リスナーを削除</translation>
    </message>
    <message>
      <source>Allow every client (no authentication; for development)</source>
      <translation>すべてのクライアントを許可 (認証なし、開発用)</translation>
    </message>
    <message>
      <source>one per core</source>
      <translation>コアごとに 1 つ</translation>
    </message>
    <message>
      <source> s</source>
      <translation> 秒</translation>
    </message>
    <message>
      <source>off</source>
      <translation>オフ</translation>
    </message>
    <message>
      <source>unlimited</source>
      <translation>無制限</translation>
    </message>
    <message>
      <source>no maximum</source>
      <translation>上限なし</translation>
    </message>
    <message>
      <source>Retained messages available</source>
      <translation>保持メッセージを有効にする</translation>
    </message>
    <message>
      <source>debug</source>
      <translation>デバッグ</translation>
    </message>
    <message>
      <source>info</source>
      <translation>情報</translation>
    </message>
    <message>
      <source>warn</source>
      <translation>警告</translation>
    </message>
    <message>
      <source>error</source>
      <translation>エラー</translation>
    </message>
    <message>
      <source>Listeners</source>
      <translation>リスナー</translation>
    </message>
    <message>
      <source>Types: tcp, ws, unix, sysinfo, healthcheck</source>
      <translation>種類: tcp、ws、unix、sysinfo、healthcheck</translation>
    </message>
    <message>
      <source>Worker threads</source>
      <translation>ワーカースレッド</translation>
    </message>
    <message>
      <source>$SYS interval</source>
      <translation>$SYS 間隔</translation>
    </message>
    <message>
      <source>Maximum clients</source>
      <translation>最大クライアント数</translation>
    </message>
    <message>
      <source>Maximum QoS</source>
      <translation>最大 QoS</translation>
    </message>
    <message>
      <source>Maximum inflight</source>
      <translation>最大送信中数</translation>
    </message>
    <message>
      <source>Maximum keep alive</source>
      <translation>最大キープアライブ</translation>
    </message>
    <message>
      <source>Log level</source>
      <translation>ログレベル</translation>
    </message>
    <message>
      <source>Not saved yet</source>
      <translation>未保存</translation>
    </message>
    <message>
      <source>Open config…</source>
      <translation>設定を開く…</translation>
    </message>
    <message>
      <source>Save config as…</source>
      <translation>名前を付けて設定を保存…</translation>
    </message>
    <message>
      <source>Open Petrel config</source>
      <translation>Petrel 設定を開く</translation>
    </message>
    <message>
      <source>Config files (*.yaml *.yml *.json)</source>
      <translation>設定ファイル (*.yaml *.yml *.json)</translation>
    </message>
    <message>
      <source>Save Petrel config</source>
      <translation>Petrel 設定を保存</translation>
    </message>
    <message>
      <source>YAML (*.yaml *.yml)</source>
      <translation>YAML (*.yaml *.yml)</translation>
    </message>
    <message>
      <source>Config file</source>
      <translation>設定ファイル</translation>
    </message>
    <message>
      <source>Attached to petrel-server</source>
      <translation>petrel-server に接続</translation>
    </message>
    <message>
      <source>Admin API URL</source>
      <translation>管理 API の URL</translation>
    </message>
    <message>
      <source>Admin token</source>
      <translation>管理トークン</translation>
    </message>
    <message>
      <source>The server's sysinfo listener needs admin_token set (docs/admin-api.md).</source>
      <translation>サーバーの sysinfo リスナーに admin_token の設定が必要です (docs/admin-api.md)。</translation>
    </message>
    <message>
      <source>Application</source>
      <translation>アプリケーション</translation>
    </message>
    <message>
      <source>System language</source>
      <translation>システムの言語</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>言語</translation>
    </message>
    <message>
      <source>Listener %1 needs an ID and an address.</source>
      <translation>リスナー %1 には ID とアドレスが必要です。</translation>
    </message>
    <message>
      <source>Two listeners are called "%1".</source>
      <translation>"%1" という名前のリスナーが 2 つあります。</translation>
    </message>
    <message>
      <source>Cannot write %1: %2</source>
      <translation>%1 に書き込めません: %2</translation>
    </message>
    <message>
      <source>Saved, but the file does not load back: %1</source>
      <translation>保存しましたが、再読み込みできません: %1</translation>
    </message>
    <message>
      <source>Remember the token</source>
      <translation>トークンを記憶する</translation>
    </message>
    <message>
      <source>Keeps the token for the next start, in plain text in %1. Unticked, it is kept only while the app runs.</source>
      <translation>次回起動用にトークンを %1 に平文で保存します。チェックしない場合、アプリの実行中だけ保持されます。</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SubscriptionsModel</name>
    <message>
      <source>yes</source>
      <translation>はい</translation>
    </message>
    <message>
      <source>no</source>
      <translation>いいえ</translation>
    </message>
    <message>
      <source>Filter</source>
      <translation>フィルター</translation>
    </message>
    <message>
      <source>Client ID</source>
      <translation>クライアント ID</translation>
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
      <translation>識別子</translation>
    </message>
    <message>
      <source>Shared group</source>
      <translation>共有グループ</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::SubscriptionsView</name>
    <message>
      <source>Filter subscriptions (filter, client, group)</source>
      <translation>購読を絞り込み (フィルター、クライアント、グループ)</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::TopicTreeModel</name>
    <message>
      <source>%1 (%2 here)</source>
      <translation>%1 (ここ %2)</translation>
    </message>
    <message>
      <source>retained</source>
      <translation>保持</translation>
    </message>
    <message>
      <source>Topic</source>
      <translation>トピック</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>メッセージ</translation>
    </message>
    <message>
      <source>Retained</source>
      <translation>保持</translation>
    </message>
    <message>
      <source>Last payload</source>
      <translation>最新ペイロード</translation>
    </message>
  </context>
  <context>
    <name>petrel::gui::TopicsView</name>
    <message>
      <source>Text</source>
      <translation>テキスト</translation>
    </message>
    <message>
      <source>Hex</source>
      <translation>16 進</translation>
    </message>
    <message>
      <source>JSON (pretty)</source>
      <translation>JSON (整形)</translation>
    </message>
    <message>
      <source>Delete retained</source>
      <translation>保持メッセージを削除</translation>
    </message>
    <message>
      <source>Publish here…</source>
      <translation>ここにパブリッシュ…</translation>
    </message>
    <message>
      <source>Show payload as</source>
      <translation>ペイロードの表示形式</translation>
    </message>
    <message>
      <source>Select a topic</source>
      <translation>トピックを選択してください</translation>
    </message>
    <message>
      <source>No message on this exact topic yet; %1 below it.</source>
      <translation>このトピック自体にはまだメッセージがありません (配下に %1 件)。</translation>
    </message>
    <message>
      <source>%1 messages · last at %2 · QoS %3 · %4 bytes</source>
      <translation>%1 件 · 最終 %2 · QoS %3 · %4 バイト</translation>
    </message>
    <message>
      <source>retained</source>
      <translation>保持</translation>
    </message>
  </context>
</TS>
