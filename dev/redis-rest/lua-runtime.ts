import { COMMANDS, WRONGTYPE } from "./commands.ts";

/**
 * The Lua half of the in-process engine's scripting (see memory-lua.ts for why it exists).
 * Runs before the user's chunk inside ioredis-mock's VM, which provides `redis` (call/pcall
 * only) and the raw `call(raiseAsValue, name, ...)` that reaches ioredis-mock's commands.
 * Defines redis.call/pcall with Redis's rules, the rest of the `redis` table, and `__run`,
 * which runs the user's chunk and writes its outcome as JSON, the return value converted the way
 * Redis converts Lua values to replies (`__reply`; ioredis-mock's own conversion fails on tables
 * built by assignment). Expects `__WRITES` (the write commands, or nil) declared before it.
 */
const typed = [...COMMANDS]
  .filter(([, s]) => s.family)
  .map(([n, s]) => `${n}='${s.family}'`)
  .join(",");
export const WRITES_LUA = `{${[...COMMANDS]
  .filter(([, s]) => s.write)
  .map(([n]) => `${n}=true`)
  .join(",")}}`;

export const RUNTIME_LUA = String.raw`
local __NULL = setmetatable({}, { __tostring = function() return 'cjson.null' end })
local __jscall = call
call = nil
local __TYPES = {${typed}}
-- Redis hands these status replies to Lua as {ok = text}; scripts test r.ok, not r == 'OK'.
local __STATUS = { set = 1, type = 1, ping = 1, mset = 1, rename = 1, hmset = 1, lset = 1, ltrim = 1, flushall = 1, flushdb = 1, setex = 1, psetex = 1, restore = 1 }
local __NUMERIC = { incr = 'i', decr = 'i', incrby = 'i', decrby = 'i', incrbyfloat = 'f', hincrby = 'hi', hincrbyfloat = 'hf' }
local __EXPIRE = { expire = 1000, pexpire = 1, expireat = 1000, pexpireat = 1 }
local function __quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format('\\u%04x', c:byte()) end) .. '"'
end
-- ioredis-mock's replies arrive as JS proxies: null is a truthy userdata, numbers are floats, and
-- arrays below the top level are indexed from 0. Rebuild them as Redis's Lua values.
local function __fromjs(v, base)
  local t = type(v)
  if t == 'number' then return math.tointeger(v) or v end
  if t == 'nil' then return false end
  if t ~= 'userdata' then return v end
  local ok, n = pcall(function() return v.length end)
  n = ok and math.tointeger(n)
  if not n then return false end
  local out = {}
  for i = base, n - 1 do out[#out + 1] = __fromjs(v[i], 0) end
  return out
end
local function __jserror(r)
  if type(r) ~= 'userdata' then return nil end
  local ok, tag = pcall(function() return r[0] end)
  if not ok or tag ~= 'error' then return nil end
  local msg = tostring(r[1])
  if msg:find("reading 'bind'", 1, true) then return 'ERR Unknown Redis command called from script' end
  msg = msg:gsub('^%a*Error: ', '')
  return msg:find('^%u+ ') and msg or 'ERR ' .. msg
end
local function __badnumber(s, integer)
  if type(s) ~= 'string' then return false end
  if integer then return not (s:match('^%-?[1-9]%d*$') or s == '0') end
  return tonumber(s) == nil
end
-- What ioredis-mock gets wrong but a script can see: non-numbers incremented, EXPIRE's options.
local function __precheck(cmd, n, args)
  local kind = __NUMERIC[cmd]
  if kind then
    local hash, integer = kind:sub(1, 1) == 'h', kind:sub(-1) == 'i'
    local current = hash and __jscall(true, 'hget', args[1], args[2]) or __jscall(true, 'get', args[1])
    if __badnumber(args[hash and 3 or 2], integer) then
      return nil, integer and 'ERR value is not an integer or out of range' or 'ERR value is not a valid float'
    end
    if __badnumber(current, integer) then
      if hash then return nil, integer and 'ERR hash value is not an integer' or 'ERR hash value is not a float' end
      return nil, integer and 'ERR value is not an integer or out of range' or 'ERR value is not a valid float'
    end
  end
  local unit = __EXPIRE[cmd]
  if unit then
    if __badnumber(args[2], true) then return nil, 'ERR value is not an integer or out of range' end
    if n < 3 then return end
    local flag, pttl = args[3]:upper(), __jscall(true, 'pttl', args[1])
    local target = tonumber(args[2]) * unit - (cmd:find('at$') and os.time() * 1000 or 0)
    if pttl == -2 or (flag == 'NX' and pttl ~= -1) or (flag == 'XX' and pttl == -1)
      or (flag == 'GT' and (pttl == -1 or target <= pttl)) or (flag == 'LT' and pttl ~= -1 and target >= pttl) then
      return 0
    end
    return nil, nil, 2
  end
end
local function __invoke(name, ...)
  if type(name) ~= 'string' then return nil, 'ERR Please specify at least one argument for this redis lib call' end
  local n, args = select('#', ...), { ... }
  for i = 1, n do
    local a = args[i]
    if type(a) == 'number' then
      args[i] = math.tointeger(a) and tostring(math.tointeger(a)) or string.format('%.14g', a)
    elseif type(a) ~= 'string' then
      return nil, 'ERR Lua redis lib command arguments must be strings or integers'
    end
  end
  local cmd = name:lower()
  if __WRITES and __WRITES[cmd] then return nil, 'ERR Write commands are not allowed from read-only scripts.' end
  local family = __TYPES[cmd]
  if family and n >= 1 then
    local t = __jscall(true, 'type', args[1])
    if t ~= 'none' and t ~= family then return nil, '${WRONGTYPE}' end
  end
  local early, err, keep = __precheck(cmd, n, args)
  if early ~= nil or err then return early, err end
  if keep then n = keep end
  if cmd == 'set' then for i = 3, n do args[i] = args[i]:upper() end end
  local r = __jscall(true, cmd, table.unpack(args, 1, n))
  local e = __jserror(r)
  if e then return nil, e end
  if r == nil and (cmd == 'get' or cmd == 'hget') then -- ioredis-mock returns nothing for ""
    local found = cmd == 'get' and __jscall(true, 'exists', args[1]) or __jscall(true, 'hexists', args[1], args[2])
    if found == 1 then return '' end
  end
  r = __fromjs(r, 1)
  if __STATUS[cmd] and type(r) == 'string' and not (cmd == 'ping' and n > 0) and not (cmd == 'set' and r ~= 'OK') then r = { ok = r } end
  return r
end
redis.call = function(...) local r, e = __invoke(...) if e then error({ err = e }) end return r end
redis.pcall = function(...) local r, e = __invoke(...) if e then return { err = e } end return r end
redis.status_reply = function(s) return { ok = s } end
redis.error_reply = function(s) return { err = s } end
redis.log = function() end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.replicate_commands = function() return true end
redis.set_repl = function() end
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
-- A Lua value as Redis replies with it: numbers truncate to integers, true is 1, false and nil are
-- nil, {err=…} an error, {ok=…} a status, a table an array up to its first nil.
local function __reply(v)
  local t = type(v)
  if t == 'number' then -- fengari's integers are 32-bit: truncate as a float, print all digits
    local i = v >= 0 and math.floor(v) or math.ceil(v)
    return (i ~= i or i == math.huge or i == -math.huge) and '0' or string.format('%.0f', i)
  end
  if t == 'string' then return __quote(v) end
  if t == 'boolean' then return v and '1' or 'null' end
  if t ~= 'table' or v == __NULL then return 'null' end
  if type(rawget(v, 'err')) == 'string' then return '{"err":' .. __quote(v.err) .. '}' end
  if type(rawget(v, 'ok')) == 'string' then return __quote(v.ok) end
  local out, i = {}, 1
  while v[i] ~= nil do out[i] = __reply(v[i]) i = i + 1 end
  return '[' .. table.concat(out, ',') .. ']'
end
-- The line of the user's script on the stack, for error messages. A call in tail position
-- ("return redis.call(…)") leaves no user frame, and then there is no line (0).
local function __userline()
  for level = 3, 64 do
    local info = debug.getinfo(level, 'Sl')
    if not info then break end
    if info.source == '@user_script' then return info.currentline end
  end
  return 0
end
local function __where()
  local line = __userline()
  return line > 0 and ('user_script:' .. line .. ': ') or ''
end
-- Runs the user's chunk; answers {"reply": …} or {"error": text, "line": where it was raised}.
local function __run(chunk, compileError)
  if not chunk then return '{"error":' .. __quote('ERR Error compiling script (new function): ' .. compileError) .. ',"line":0}' end
  -- Redis would keep a runaway script running and answer BUSY; here it would freeze the whole
  -- process, so it is stopped after 5 s (checked every 100k instructions).
  local deadline = os.clock() + 5
  debug.sethook(function()
    if os.clock() > deadline then error({ err = 'BUSY the script ran for over 5 s and the in-process engine stopped it' }) end
  end, '', 100000)
  local line = 0
  local ok, res = xpcall(chunk, function(e) line = __userline() return e end)
  debug.sethook()
  if ok then return '{"reply":' .. __reply(res) .. '}' end
  local text = type(res) == 'table' and type(rawget(res, 'err')) == 'string' and res.err or 'ERR ' .. tostring(res)
  if line == 0 then line = tonumber(text:match('^ERR user_script:(%d+):')) or 0 end
  return '{"error":' .. __quote(text) .. ',"line":' .. line .. '}'
end
`;
