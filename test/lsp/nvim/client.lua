-- Headless Neovim as a second, real LSP client of `poolscope lsp --stdio`.
-- Env: POOLSCOPE_ROOT (repository), DRVM_FILE (script to open), OUT_FILE (JSON result).
-- Works with Neovim 0.7 (start_client + buf_attach_client) and 0.8+ (vim.lsp.start).
local root = os.getenv('POOLSCOPE_ROOT')
local file = os.getenv('DRVM_FILE')
local out_file = os.getenv('OUT_FILE')
local result = { ok = false, diagnostics = {}, hover = nil, error = nil }

local function finish()
  local f = assert(io.open(out_file, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_option(buf, 'filetype', 'drvm')
  local config = {
    name = 'poolscope',
    cmd = { 'node', root .. '/bin/poolscope.js', 'lsp', '--stdio' },
    root_dir = root,
  }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config)
  else
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(buf, client_id)
  end
  result.ok = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(result.diagnostics, {
      code = d.code, lnum = d.lnum, col = d.col, severity = d.severity, source = d.source, message = d.message,
    })
  end
  -- Hover on the 'Tron' tag (file line 28, LSP line 27).
  local line = vim.api.nvim_buf_get_lines(buf, 27, 28, false)[1] or ''
  local col = (string.find(line, "'Tron'", 1, true) or 1)
  local responses = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = 27, character = col },
  }, 10000)
  for _, r in pairs(responses or {}) do
    if r.result and r.result.contents then result.hover = r.result.contents.value end
  end
  vim.lsp.stop_client(client_id)
end)
if not ok then result.error = tostring(err) end
finish()
