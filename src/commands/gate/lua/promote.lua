--[[
  Promotes one parked command job into the wait list (see promote.include.lua). Used by the
  reconciler for a head that is still parked.

  KEYS     none (the queue's keys are derived from ARGV[1], as BullMQ derives job keys)
  ARGV[1]  BullMQ key prefix of the queue (`<prefix>:<queue>:`)
  ARGV[2]  command id (= job id)

  Returns 1 when promoted, 0 when the job was not parked.
]]
-- @include promote
if promoteParked(ARGV[1], ARGV[2]) then return 1 end
return 0
