/**
 * Redis's `cjson` library for the in-process engine's Lua (fengari has none), in plain Lua 5.3.
 * It follows lua-cjson as Redis ships it where scripts can tell: `/` is escaped as `\/`, an empty
 * table encodes as `{}`, floats print with %.14g, `null` decodes to the `cjson.null` sentinel,
 * and an excessively sparse array is refused. Expects `__NULL` (the sentinel) and `__where` in scope.
 */
export const CJSON_LUA = String.raw`
cjson = { null = __NULL } -- a global, as in Redis
do
  local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
  local function quote(s)
    return '"' .. s:gsub('[%c"\\/]', function(c) return escapes[c] or string.format('\\u%04x', c:byte()) end) .. '"'
  end
  local function encode(v, depth)
    local t = type(v)
    if v == nil or v == __NULL then return 'null' end
    if t == 'boolean' then return tostring(v) end
    if t == 'number' then
      if v ~= v or v == math.huge or v == -math.huge then error('Cannot serialise number: must not be NaN or Infinity', 0) end
      if math.type(v) == 'integer' then return tostring(v) end
      return string.format('%.14g', v)
    end
    if t == 'string' then return quote(v) end
    if t ~= 'table' then error('Cannot serialise ' .. t .. ': type not supported', 0) end
    if depth > 1000 then error('Cannot serialise, excessive nesting (1001)', 0) end
    local max, count, array = 0, 0, true
    for k in pairs(v) do
      count = count + 1
      if math.type(k) == 'integer' and k > 0 then max = math.max(max, k) else array = false end
    end
    local parts = {}
    if array and count > 0 then
      if max > 10 and max > count * 2 then error('Cannot serialise table: excessively sparse array', 0) end
      for i = 1, max do parts[i] = encode(v[i], depth + 1) end
      return '[' .. table.concat(parts, ',') .. ']'
    end
    for k, val in pairs(v) do
      local tk = type(k)
      if tk ~= 'string' and tk ~= 'number' then error('Cannot serialise table: table key must be a number or string', 0) end
      parts[#parts + 1] = quote(tk == 'number' and encode(k, depth) or k) .. ':' .. encode(val, depth + 1)
    end
    return '{' .. table.concat(parts, ',') .. '}'
  end
  local function decode(s)
    if type(s) ~= 'string' then error('bad argument #1 to \'decode\' (string expected)', 0) end
    local pos, value = 1, nil
    local function fail(what) error(string.format('Expected %s but found invalid token at character %d', what, pos), 0) end
    local function ws() pos = s:find('[^ \t\r\n]', pos) or (#s + 1) end
    local unescape = { b = '\b', f = '\f', n = '\n', r = '\r', t = '\t', ['"'] = '"', ['\\'] = '\\', ['/'] = '/' }
    local function str()
      local out, i = {}, pos + 1
      while true do
        local j = s:find('["\\]', i)
        if not j then pos = #s + 1 fail('string end') end
        out[#out + 1] = s:sub(i, j - 1)
        if s:sub(j, j) == '"' then pos = j + 1 return table.concat(out) end
        local e = s:sub(j + 1, j + 1)
        if e == 'u' then
          local cp = tonumber(s:sub(j + 2, j + 5), 16)
          if not cp then pos = j fail('unicode escape') end
          i = j + 6
          local lo = s:sub(i, i + 1) == '\\u' and tonumber(s:sub(i + 2, i + 5), 16)
          if cp >= 0xD800 and cp <= 0xDBFF and lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
            i = i + 6
          end
          out[#out + 1] = utf8.char(cp)
        elseif unescape[e] then
          out[#out + 1] = unescape[e]
          i = j + 2
        else
          pos = j
          fail('escape sequence')
        end
      end
    end
    local function list(close, item)
      pos = pos + 1
      ws()
      if s:sub(pos, pos) == close then pos = pos + 1 return end
      while true do
        item()
        ws()
        local d = s:sub(pos, pos)
        pos = pos + 1
        if d == close then return end
        if d ~= ',' then pos = pos - 1 fail("comma or '" .. close .. "'") end
      end
    end
    value = function()
      ws()
      local c = s:sub(pos, pos)
      if c == '{' then
        local obj = {}
        list('}', function()
          ws()
          if s:sub(pos, pos) ~= '"' then fail('object key string') end
          local k = str()
          ws()
          if s:sub(pos, pos) ~= ':' then fail('colon') end
          pos = pos + 1
          obj[k] = value()
        end)
        return obj
      elseif c == '[' then
        local arr = {}
        list(']', function() arr[#arr + 1] = value() end)
        return arr
      elseif c == '"' then return str()
      elseif s:find('^true', pos) then pos = pos + 4 return true
      elseif s:find('^false', pos) then pos = pos + 5 return false
      elseif s:find('^null', pos) then pos = pos + 4 return __NULL
      end
      local num = s:match('^-?%d+%.?%d*[eE]?[-+]?%d*', pos)
      if not num or not tonumber(num) then fail('value') end
      pos = pos + #num
      return tonumber(num)
    end
    local v = value()
    ws()
    if pos <= #s then fail('the end') end
    return v
  end
  -- Errors name the script line that called cjson, as Redis's C library does.
  local function surface(f) return function(v) local ok, r = pcall(f, v, 0) if ok then return r end error(__where() .. r, 0) end end
  cjson.encode = surface(encode)
  cjson.decode = surface(decode)
end
`;
