--[[
  Asks, when a worker picks a command's job, whether the command may run now: only the head of its
  aggregate's gate may, and only while the aggregate is not halted. A job that reached a worker
  without ever being admitted (its producer died between adding the job and admitting it) is
  admitted at the tail here, so it is never lost and never runs out of turn.

  KEYS[1]  gate LIST of the aggregate
  KEYS[2]  backlog ZSET
  KEYS[3]  halted HASH
  KEYS[4]  size STRING
  KEYS[5]  versions HASH: aggregate id -> its version after the last command that left the gate
  KEYS[6]  acceptance sequence STRING (see admit.lua)
  KEYS[7]  BullMQ job HASH of the command
  ARGV[1]  aggregate id
  ARGV[2]  command id
  ARGV[3]  now (ms)

  Returns { status, version, acceptedSeq }: status 'head' (run it), 'parked' (others first: park the job again)
  or 'halted' (the aggregate waits for an operator: park the job again); version is the aggregate's
  version recorded by the previous advance, or false when unknown. A worker whose cached state is
  at that version can use it without asking the database. acceptedSeq is the command's acceptance
  sequence number (see admit.lua), or false for a job admitted before sequences existed.
]]
local position = redis.call('LPOS', KEYS[1], ARGV[2])
if not position then
  position = redis.call('RPUSH', KEYS[1], ARGV[2]) - 1
  redis.call('INCR', KEYS[4])
  redis.call('HSET', KEYS[7], 'acceptedSeq', redis.call('INCR', KEYS[6]))
  if position == 0 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return { 'halted', false } end
if position == 0 then
  return { 'head', redis.call('HGET', KEYS[5], ARGV[1]), redis.call('HGET', KEYS[7], 'acceptedSeq') }
end
return { 'parked', false }
