#include "core/redis/broker_scripts.hpp"

namespace kata::redis {

channel_keys keys_of(std::string_view prefix, std::string_view channel) {
    std::string base(prefix);
    base += ':';
    base += channel;
    return {base + ":epoch", base + ":seq", base + ":stream", base + ":bytes", base};
}

// KEYS: per event i (from 0), KEYS[4i+1..4i+4] = epoch, seq, stream, bytes of its channel.
// ARGV: [1] max events (0: no stream), [2] max bytes (0: no byte bound), [3] ttl ms (0: none);
// then per event ARGV[4+4i..7+4i] = pub/sub channel, head, tail, candidate epoch (16 hex, used
// when the channel's epoch is missing: one per event, so channels never share an epoch and ids
// stay unique across channels).
// Returns {epoch_1, seq_1, epoch_2, seq_2, ...} in request order.
const std::string_view publish_script = R"lua(
local max_events = tonumber(ARGV[1])
local max_bytes = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
local n = (#ARGV - 3) / 4
for i = 0, n - 1 do
  local ek, sk, xk, bk = KEYS[4*i+1], KEYS[4*i+2], KEYS[4*i+3], KEYS[4*i+4]
  local epoch = redis.call('GET', ek)
  if not epoch or redis.call('EXISTS', sk) == 0 then
    -- The channel is new or its state was lost (an evicted sequence would otherwise go back
    -- and collide with the stream's ids): a new epoch starts at sequence 1.
    epoch = ARGV[7+4*i]
    redis.call('SET', ek, epoch)
    redis.call('DEL', sk, xk, bk)
  end
  local seq = redis.call('INCR', sk)
  local env = ARGV[5+4*i] .. 'evt_' .. epoch .. '_' .. seq .. ARGV[6+4*i]
  if max_events > 0 then
    redis.call('XADD', xk, seq .. '-0', 'e', env, 't', now, 'b', #env)
    local len = redis.call('XLEN', xk)
    local bytes = redis.call('INCRBY', bk, #env)
    -- Drop from the front while over a bound; XTRIM MINID then cuts them in one step.
    local cut = nil
    while len > 0 do
      local over = len > max_events or (max_bytes > 0 and bytes > max_bytes)
      if not over and ttl <= 0 then break end
      local first = redis.call('XRANGE', xk, cut and ('(' .. cut) or '-', '+', 'COUNT', 1)[1]
      if not first then break end
      local f = first[2]
      if not over and tonumber(f[4]) >= now - ttl then break end
      cut = first[1]
      len = len - 1
      bytes = bytes - tonumber(f[6])
    end
    if cut then
      redis.call('XTRIM', xk, 'MINID', string.sub(cut, 1, -2) .. '1')
      if bytes < 0 then bytes = 0 end
      redis.call('SET', bk, bytes)
    end
    if ttl > 0 then
      redis.call('PEXPIRE', xk, ttl)
      redis.call('PEXPIRE', bk, ttl)
    end
  end
  if ttl > 0 then
    -- The channel's state goes with its history: once both expired, the next publish starts a
    -- new epoch (above), so no id is given twice.
    redis.call('PEXPIRE', ek, ttl)
    redis.call('PEXPIRE', sk, ttl)
  end
  redis.call('PUBLISH', ARGV[4+4*i], epoch .. ' ' .. seq .. ' ' .. env)
  out[#out+1] = epoch
  out[#out+1] = seq
end
return out
)lua";

// KEYS: epoch, seq, stream of one channel. ARGV: [1] since epoch (16 hex, or '' for the position
// only), [2] since sequence, [3] ttl ms (0: none).
// Returns {epoch or '', last sequence, complete 0/1, entries (XRANGE after since)}. Complete: the
// stream still holds the first event after since (or there is none), and it is within the ttl.
const std::string_view history_script = R"lua(
local epoch = redis.call('GET', KEYS[1])
if not epoch then return {'', 0, 0, {}} end
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
if ARGV[1] == '' then return {epoch, last, 1, {}} end
if ARGV[1] ~= epoch then return {epoch, last, 0, {}} end
local since = tonumber(ARGV[2])
if since >= last then return {epoch, last, 1, {}} end
local entries = redis.call('XRANGE', KEYS[3], '(' .. ARGV[2] .. '-0', '+')
local complete = 0
if #entries > 0 and entries[1][1] == (since + 1) .. '-0' then
  complete = 1
  local ttl = tonumber(ARGV[3])
  if ttl > 0 then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    if tonumber(entries[1][2][4]) < now - ttl then complete = 0 end
  end
end
return {epoch, last, complete, entries}
)lua";

}  // namespace kata::redis
