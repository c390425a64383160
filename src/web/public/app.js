// The local chat page: sends messages (text and images) to /api/messages and shows the replies
// that arrive on the WebSocket, including later edits of a reply (progress, then the result). A
// message that shows images can be replied to: the reply's text is an edit instruction for its image.
// The conversation is kept by the server, one per browser (its id in localStorage): on every
// (re)connect the page shows it as stored, so a reload or a restart loses nothing.

const messages = document.getElementById('messages');
const form = document.getElementById('composer');
const textBox = document.getElementById('text');
const fileInput = document.getElementById('file');
const sendButton = document.getElementById('send');
const attachmentList = document.getElementById('attachments');
const status = document.getElementById('status');
const replyingBanner = document.getElementById('replying');
const replyingLabel = document.getElementById('replying-label');
const replyingCancel = document.getElementById('replying-cancel');
const newConversationButton = document.getElementById('new-conversation');
const hint = messages.querySelector('.hint');

const CONVERSATION_KEY = 'retouch.conversation';
/** Pictures smaller than this are shown enlarged by a whole factor, pixels kept sharp (the shipped model draws 128 px). */
const PICTURE_SIZE = 256;

let socket = null;
let connectionId = null;
let pendingFiles = [];
/** The message being replied to: { id, label }, or null. */
let replyingTo = null;
/** Events that arrive while the stored conversation loads; applied after it. */
let buffered = null;
/** Whether the view stays at the newest message (false once the person scrolls up). */
/** Where keepInView last put the view. */
let followedTo = 0;
let following = true;

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const conversation = localStorage.getItem(CONVERSATION_KEY);
  const query = conversation ? `?conversation=${encodeURIComponent(conversation)}` : '';
  const opened = new WebSocket(`${scheme}://${location.host}/api/events${query}`);
  socket = opened;
  opened.addEventListener('message', (event) => handleEvent(JSON.parse(event.data)));
  opened.addEventListener('close', () => {
    if (socket !== opened) return;
    connectionId = null;
    setStatus('closed', 'disconnected, retrying…');
    setTimeout(connect, 1000);
  });
}

function handleEvent(event) {
  if (event.type === 'ready') {
    localStorage.setItem(CONVERSATION_KEY, event.conversationId);
    void loadConversation(event.conversationId, event.connectionId);
  } else if (buffered !== null) {
    buffered.push(event);
  } else if (event.type === 'reply') {
    showReply(event.replyId, event.reply);
  } else if (event.type === 'edit') {
    const item = replyItem(event.replyId);
    if (item) renderReply(item, event.reply);
  }
}

/** Shows the conversation as stored, then the events that came meanwhile. */
async function loadConversation(conversationId, connection) {
  buffered = [];
  setStatus('connecting', 'loading the conversation…');
  try {
    const response = await fetch(`/api/conversations/${encodeURIComponent(conversationId)}`);
    if (!response.ok) throw new Error(`status ${response.status}`);
    const { messages: stored } = await response.json();
    messages.replaceChildren(hint);
    for (const message of stored) {
      if (message.author === 'bot') showReply(message.id, message.reply);
      else showStoredMine(message);
    }
  } catch {
    showError('Could not load the earlier messages of this conversation; new ones still arrive.');
  }
  const events = buffered;
  buffered = null;
  for (const event of events) handleEvent(event);
  following = true;
  keepInView();
  connectionId = connection;
  setStatus('open', 'connected');
}

function replyItem(replyId) {
  return messages.querySelector(`.message.bot[data-reply-id="${CSS.escape(replyId)}"]`);
}

function showReply(replyId, reply) {
  const existing = replyItem(replyId);
  if (existing) {
    renderReply(existing, reply);
    return;
  }
  const item = document.createElement('li');
  item.className = 'message bot';
  item.dataset.replyId = replyId;
  renderReply(item, reply);
  append(item);
}

async function newConversation() {
  const conversation = localStorage.getItem(CONVERSATION_KEY);
  if (conversation) await fetch(`/api/conversations/${encodeURIComponent(conversation)}`, { method: 'DELETE' }).catch(() => undefined);
  localStorage.removeItem(CONVERSATION_KEY);
  stopReply();
  messages.replaceChildren(hint);
  connectionId = null;
  setStatus('connecting', 'starting a new conversation…');
  const old = socket;
  socket = null;
  old?.close();
  connect();
}

function setStatus(state, label) {
  status.dataset.state = state;
  status.textContent = label;
  updateSendButton();
}

function updateSendButton() {
  sendButton.disabled = connectionId === null || (textBox.value.trim() === '' && pendingFiles.length === 0);
}

/** Messages grow after they are shown (pictures load and are enlarged, a reply is filled in): the view follows. */
const growth = new ResizeObserver(() => keepInView());

function append(item) {
  messages.append(item);
  growth.observe(item);
  keepInView();
}

/** Keeps the newest message, its buttons included, in view unless the person scrolled up to read. */
function keepInView() {
  if (!following) return;
  messages.scrollTop = messages.scrollHeight;
  followedTo = messages.scrollTop;
}

/** A stored picture, enlarged with sharp pixels when it is small; labelled ("Before", "After") when it has a label. */
function picture(image) {
  const img = document.createElement('img');
  img.alt = image.alt ?? '';
  img.addEventListener('load', () => {
    const factor = Math.floor(PICTURE_SIZE / Math.max(img.naturalWidth, img.naturalHeight));
    if (factor >= 2) {
      img.classList.add('enlarged');
      img.style.width = `${img.naturalWidth * factor}px`;
    }
    keepInView();
  }, { once: true });
  img.src = image.url;
  if (!image.label) return img;
  const figure = document.createElement('figure');
  figure.append(img, Object.assign(document.createElement('figcaption'), { textContent: image.label }));
  return figure;
}

function renderReply(item, reply) {
  item.replaceChildren(renderMarkdown(reply.text));
  if (reply.images.length > 0) {
    const pictures = document.createElement('div');
    pictures.className = 'pictures';
    for (const image of reply.images) pictures.append(picture(image));
    item.append(pictures);
  }
  if (reply.preview) {
    const img = document.createElement('img');
    img.src = reply.preview;
    img.alt = 'work in progress';
    img.className = 'preview';
    item.append(img);
  }
  if (reply.buttons.length > 0) {
    const row = document.createElement('div');
    row.className = 'buttons';
    for (const button of reply.buttons) {
      const element = document.createElement('button');
      element.type = 'button';
      element.textContent = button.label;
      element.addEventListener('click', () => pressButton(item.dataset.replyId, button.id));
      row.append(element);
    }
    item.append(row);
  }
  if (reply.images.length > 0) addReplyAction(item, item.dataset.replyId, reply.images.at(-1).alt);
  keepInView();
}

/** A "Reply" action under a message that shows images: the next message is about its (last) image. */
function addReplyAction(item, messageId, label) {
  const row = document.createElement('div');
  row.className = 'actions';
  const action = document.createElement('button');
  action.type = 'button';
  action.className = 'reply-action';
  action.textContent = 'Reply';
  action.title = 'Reply with what to change in this image';
  action.addEventListener('click', () => startReply(messageId, label || 'the image'));
  row.append(action);
  item.append(row);
}

function startReply(messageId, label) {
  replyingTo = { id: messageId, label };
  replyingLabel.textContent = `Replying to ${label}: say what to change`;
  replyingBanner.hidden = false;
  textBox.focus();
  updateSendButton();
}

function stopReply() {
  replyingTo = null;
  replyingBanner.hidden = true;
  updateSendButton();
}

// The markdown the bot writes: paragraphs, `- ` lists (one level of nesting), **bold**, `code`.
// Built as DOM nodes, never as HTML, so nothing in a reply can inject markup.
function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  let paragraph = null;
  let list = null;
  let lastItem = null;
  for (const line of text.split('\n')) {
    const bullet = /^( *)- (.*)$/.exec(line);
    if (bullet) {
      paragraph = null;
      const nested = bullet[1].length > 0 && lastItem !== null;
      let target = list;
      if (nested) {
        target = lastItem.querySelector(':scope > ul') ?? lastItem.appendChild(document.createElement('ul'));
      } else if (list === null) {
        list = fragment.appendChild(document.createElement('ul'));
        target = list;
      }
      const item = target.appendChild(document.createElement('li'));
      item.append(renderInline(bullet[2]));
      if (!nested) lastItem = item;
    } else if (line.trim() === '') {
      paragraph = null;
      list = null;
      lastItem = null;
    } else {
      list = null;
      lastItem = null;
      if (paragraph === null) paragraph = fragment.appendChild(document.createElement('p'));
      else paragraph.append(document.createElement('br'));
      paragraph.append(renderInline(line));
    }
  }
  return fragment;
}

function renderInline(text) {
  const fragment = document.createDocumentFragment();
  for (const piece of text.split(/(`[^`]+`|\*\*(?:\\.|[^*\\])+\*\*|\\[\\`*_~|])/)) {
    if (piece === '') continue;
    if (piece.length === 2 && piece.startsWith('\\')) {
      fragment.append(document.createTextNode(piece[1]));
      continue;
    }
    if (piece.startsWith('`') && piece.endsWith('`') && piece.length > 1) {
      const code = Object.assign(document.createElement('code'), { textContent: piece.slice(1, -1) });
      if (code.textContent.startsWith('/') && !code.textContent.includes('<')) {
        code.className = 'command';
        code.title = 'Click to put it in the text box';
      }
      fragment.append(code);
    } else if (piece.startsWith('**') && piece.endsWith('**') && piece.length > 4) {
      fragment.append(Object.assign(document.createElement('strong'), { textContent: unescapeMarkdown(piece.slice(2, -2)) }));
    } else {
      fragment.append(document.createTextNode(piece));
    }
  }
  return fragment;
}

function unescapeMarkdown(text) {
  return text.replace(/\\([\\`*_~|])/g, '$1');
}

function mineItem(text, repliedTo) {
  const item = document.createElement('li');
  item.className = 'message mine';
  if (repliedTo) item.append(Object.assign(document.createElement('span'), { className: 'quote', textContent: `↪ ${repliedTo.label}` }));
  if (text !== '') item.append(document.createTextNode(text));
  return item;
}

/** One of the person's messages as stored: the images the server stored; the files' names when it stored none (a refused upload). */
function showStoredMine(message) {
  const item = mineItem(message.text, message.replyTo);
  if (message.images.length === 0) {
    for (const name of message.files) item.append(Object.assign(document.createElement('span'), { className: 'file-name', textContent: name }));
  }
  for (const image of message.images) {
    const img = document.createElement('img');
    img.src = image.url;
    img.alt = '';
    img.addEventListener('load', keepInView, { once: true });
    item.append(img);
  }
  append(item);
}

function showMine(text, files, repliedTo) {
  const item = mineItem(text, repliedTo);
  for (const file of files) {
    const name = Object.assign(document.createElement('span'), { className: 'file-name', textContent: file.name });
    if (!file.type.startsWith('image/')) {
      item.append(name);
      continue;
    }
    const img = document.createElement('img');
    img.src = URL.createObjectURL(file);
    img.alt = file.name;
    // The browser may not preview every file the server can read; the name stands in.
    img.addEventListener('error', () => img.replaceWith(name), { once: true });
    item.append(img);
  }
  append(item);
  return item;
}

function showError(text) {
  const item = document.createElement('li');
  item.className = 'message error';
  item.textContent = text;
  append(item);
}

async function send() {
  const typed = textBox.value;
  const text = typed.trim();
  const files = pendingFiles;
  const repliedTo = replyingTo;
  if (connectionId === null || (text === '' && files.length === 0)) return;
  // Whoever sends a message wants to see the answer, even if they had scrolled up to reply to an old picture.
  following = true;
  const body = new FormData();
  body.append('connectionId', connectionId);
  body.append('text', text);
  if (repliedTo) {
    body.append('replyTo', repliedTo.id);
    body.append('replyLabel', repliedTo.label);
  }
  for (const file of files) body.append('image', file, file.name);
  following = true;
  const item = showMine(text, files, repliedTo);
  textBox.value = '';
  setPendingFiles([]);
  stopReply();
  autoSize();
  const answer = await post('/api/messages', { method: 'POST', body });
  if (answer === undefined) {
    // Refused or not sent: nothing typed is lost. The text, files and reply go back as they were.
    item.remove();
    if (textBox.value === '') textBox.value = typed;
    if (pendingFiles.length === 0) setPendingFiles(files);
    if (repliedTo && replyingTo === null) startReply(repliedTo.id, repliedTo.label);
    autoSize();
    updateSendButton();
  }
}

async function pressButton(replyId, buttonId) {
  if (connectionId === null) return;
  await post('/api/buttons', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ connectionId, replyId, buttonId }),
  });
}

/** The server's JSON answer, or undefined after showing what went wrong. */
async function post(url, init) {
  try {
    const response = await fetch(url, init);
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      showError(problem.error ?? problem.message ?? `The server answered ${response.status}.`);
      return undefined;
    }
    return await response.json().catch(() => ({}));
  } catch {
    showError('Could not reach Retouch. Is it still running?');
    return undefined;
  }
}

function setPendingFiles(files) {
  pendingFiles = files;
  attachmentList.replaceChildren(
    ...files.map((file, index) => {
      const item = document.createElement('li');
      item.append(document.createTextNode(file.name));
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.title = `Remove ${file.name}`;
      remove.textContent = '×';
      remove.addEventListener('click', () => setPendingFiles(pendingFiles.filter((_, i) => i !== index)));
      item.append(remove);
      return item;
    }),
  );
  updateSendButton();
}

function autoSize() {
  textBox.style.height = 'auto';
  textBox.style.height = `${textBox.scrollHeight}px`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});
textBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  } else if (event.key === 'Escape' && replyingTo !== null) {
    stopReply();
  }
});
replyingCancel.addEventListener('click', () => stopReply());
newConversationButton.addEventListener('click', () => void newConversation());
messages.addEventListener('scroll', () => {
  // Content that grew below the view (a picture enlarged) is no scroll of the person's: only moving
  // up from where the view was kept leaves the newest message.
  const nearBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  following = nearBottom || messages.scrollTop >= followedTo;
});
textBox.addEventListener('input', () => {
  autoSize();
  updateSendButton();
});
fileInput.addEventListener('change', () => {
  setPendingFiles([...pendingFiles, ...fileInput.files]);
  fileInput.value = '';
});
// Clicking a command in a reply (e.g. an example in /help) puts it in the text box to edit or send.
messages.addEventListener('click', (event) => {
  const command = event.target.closest('.message.bot code.command');
  if (command === null) return;
  textBox.value = command.textContent;
  textBox.focus();
  autoSize();
  updateSendButton();
});
form.addEventListener('dragover', (event) => event.preventDefault());
form.addEventListener('drop', (event) => {
  event.preventDefault();
  setPendingFiles([...pendingFiles, ...event.dataTransfer.files]);
});

connect();
