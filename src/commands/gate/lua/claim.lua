--[[
  Asks, when a worker picks a command's job, whether the command may run now: only the head of its
  aggregate's gate may, and only while the aggregate is not halted. A job that reached a worker
  without ever being admitted (its producer died between adding the job and admitting it) is
  admitted at the tail here, so it is never lost and never runs out of turn.

  With the head, it also hands out the run of commands parked right behind it (its followers), so
  the worker can decide them in order on the state it holds and append them all in one statement
  (see settle.lua for how they finish). Handing them out changes nothing in Redis: a follower stays
  parked in its gate until settled, so if the worker dies, it simply runs later as a head.

  KEYS[1]  gate LIST of the aggregate
  KEYS[2]  backlog ZSET
  KEYS[3]  halted HASH
  KEYS[4]  size STRING
  KEYS[5]  versions HASH: aggregate id -> its version after the last command that left the gate
  KEYS[6]  acceptance sequence STRING (see admit.lua)
  KEYS[7]  BullMQ job HASH of the command
  KEYS[8]  BullMQ delayed ZSET of the queue
  ARGV[1]  aggregate id
  ARGV[2]  command id
  ARGV[3]  now (ms)
  ARGV[4]  most followers to hand out (0 for none)
  ARGV[5]  BullMQ key prefix of the queue (`<prefix>:<queue>:`), for the followers' job hashes

  Returns { status, version, acceptedSeq, followers... }: status 'head' (run it), 'parked' (others
  first: park the job again) or 'halted' (the aggregate waits for an operator: park the job again);
  version is the aggregate's version recorded by the previous advance, or false when unknown. A
  worker whose cached state is at that version can use it without asking the database. acceptedSeq
  is the command's acceptance sequence number (see admit.lua), or false for a job admitted before
  sequences existed. With 'head', followed by id, job data (JSON) and acceptedSeq of each follower,
  in gate order: the commands right behind the head that are still parked, up to the first that is
  not (running, finished or missing).
]]
local position = redis.call('LPOS', KEYS[1], ARGV[2])
if not position then
  position = redis.call('RPUSH', KEYS[1], ARGV[2]) - 1
  redis.call('INCR', KEYS[4])
  redis.call('HSET', KEYS[7], 'acceptedSeq', redis.call('INCR', KEYS[6]))
  if position == 0 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return { 'halted', false } end
if position ~= 0 then return { 'parked', false } end

local result = { 'head', redis.call('HGET', KEYS[5], ARGV[1]), redis.call('HGET', KEYS[7], 'acceptedSeq') }
local most = tonumber(ARGV[4])
local followers = most > 0 and redis.call('LRANGE', KEYS[1], 1, most) or {}
if #followers > 0 then
  local parked = redis.call('ZMSCORE', KEYS[8], unpack(followers))
  for i, follower in ipairs(followers) do
    if not parked[i] then break end
    local job = redis.call('HMGET', ARGV[5] .. follower, 'data', 'acceptedSeq', 'finishedOn')
    if not job[1] or job[3] then break end
    table.insert(result, follower)
    table.insert(result, job[1])
    table.insert(result, job[2])
  end
end
return result
