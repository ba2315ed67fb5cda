-- Run by tests/nvim/run.sh: attach `acrlint lsp` to a Terraform buffer and check the
-- diagnostics it publishes. Exits 0 on success, 1 with a message on failure.
local bin = assert(os.getenv('ACRLINT'), 'ACRLINT is not set')
local root = assert(os.getenv('WORKSPACE'), 'WORKSPACE is not set')
local file = root .. '/main.tf'

local function fail(msg)
  io.stderr:write('nvim check failed: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_fname(file)
local published = nil

local client_id = vim.lsp.start_client({
  name = 'acrlint',
  cmd = { bin, 'lsp' },
  root_dir = root,
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
      if result and result.uri == uri and #result.diagnostics > 0 then
        published = result
      end
      return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
    end,
  },
})
if not client_id then
  fail('could not start ' .. bin)
end
vim.lsp.buf_attach_client(bufnr, client_id)

if not vim.wait(30000, function() return published ~= nil end, 50) then
  fail('no diagnostics for ' .. uri)
end

local codes = {}
for _, d in ipairs(published.diagnostics) do
  codes[d.code] = d
  if d.source ~= 'acrlint' then
    fail('unexpected source ' .. tostring(d.source))
  end
end
local admin = codes['ACR002']
if not admin then
  fail('no ACR002 among ' .. vim.inspect(vim.tbl_keys(codes)))
end
-- 0-based line 6: `  admin_enabled       = true`, `true` at column 24.
if admin.range.start.line ~= 6 or admin.range.start.character ~= 24 then
  fail('ACR002 at ' .. vim.inspect(admin.range))
end
if not codes['ACR003'] then
  fail('no ACR003 (sku = "Basic")')
end
-- Neovim took them in as its own diagnostics.
if #vim.diagnostic.get(bufnr) < 2 then
  fail('vim.diagnostic has ' .. #vim.diagnostic.get(bufnr) .. ' diagnostics')
end

io.stderr:write(string.format('nvim received %d diagnostics: %s\n', #published.diagnostics,
  table.concat(vim.tbl_keys(codes), ' ')))
vim.lsp.stop_client(client_id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
vim.cmd('qall!')
