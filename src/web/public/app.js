// The local chat page: sends messages (text and images) to /api/messages and shows the replies
// that arrive on the WebSocket, including later edits of a reply (progress, then the result). A
// message that shows images can be replied to: the reply's text is an edit instruction for its image.

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

let connectionId = null;
let pendingFiles = [];
/** The message being replied to: { id, label }, or null. */
let replyingTo = null;

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/api/events`);
  socket.addEventListener('message', (event) => handleEvent(JSON.parse(event.data)));
  socket.addEventListener('close', () => {
    connectionId = null;
    setStatus('closed', 'disconnected, retrying…');
    setTimeout(connect, 1000);
  });
}

function handleEvent(event) {
  if (event.type === 'ready') {
    connectionId = event.connectionId;
    setStatus('open', 'connected');
  } else if (event.type === 'reply') {
    const item = document.createElement('li');
    item.className = 'message bot';
    item.dataset.replyId = event.replyId;
    renderReply(item, event.reply);
    append(item);
  } else if (event.type === 'edit') {
    const item = messages.querySelector(`[data-reply-id="${CSS.escape(event.replyId)}"]`);
    if (item) renderReply(item, event.reply);
  }
}

function setStatus(state, label) {
  status.dataset.state = state;
  status.textContent = label;
  updateSendButton();
}

function updateSendButton() {
  sendButton.disabled = connectionId === null || (textBox.value.trim() === '' && pendingFiles.length === 0);
}

function append(item) {
  messages.append(item);
  item.scrollIntoView({ block: 'end' });
}

function renderReply(item, reply) {
  item.replaceChildren(renderMarkdown(reply.text));
  for (const image of reply.images) {
    const img = document.createElement('img');
    img.src = image.url;
    img.alt = image.alt;
    img.addEventListener('load', () => img.scrollIntoView({ block: 'end' }), { once: true });
    item.append(img);
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

function showMine(text, files, repliedTo) {
  const item = document.createElement('li');
  item.className = 'message mine';
  if (repliedTo) item.append(Object.assign(document.createElement('span'), { className: 'quote', textContent: `↪ ${repliedTo.label}` }));
  if (text !== '') item.append(document.createTextNode(text));
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
  const text = textBox.value.trim();
  const files = pendingFiles;
  const repliedTo = replyingTo;
  if (connectionId === null || (text === '' && files.length === 0)) return;
  const body = new FormData();
  body.append('connectionId', connectionId);
  body.append('text', text);
  if (repliedTo) body.append('replyTo', repliedTo.id);
  for (const file of files) body.append('image', file, file.name);
  const item = showMine(text, files, repliedTo);
  textBox.value = '';
  setPendingFiles([]);
  stopReply();
  autoSize();
  const answer = await post('/api/messages', { method: 'POST', body });
  // Our own images can be replied to as well: the server recorded them under the message's id.
  const imageFiles = files.filter((file) => file.type.startsWith('image/'));
  if (answer?.messageId && imageFiles.length > 0) addReplyAction(item, answer.messageId, imageFiles.at(-1).name);
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
