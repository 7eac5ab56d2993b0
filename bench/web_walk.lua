-- wrk script: each thread walks its own share of the paths in the file named by PATHS_FILE, in order,
-- so that no path is asked for twice while there are paths left (every request is a first view).
local counter = 0
local threads = {}
setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
local paths = {}
local position = 0
init = function(args)
  for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
  local share = math.floor(#paths / tonumber(os.getenv("WALK_THREADS") or "2"))
  position = id * share
end
request = function()
  position = position + 1
  if position > #paths then position = 1 end
  return wrk.format("GET", paths[position])
end
