-- wrk script: each request asks for a path picked at random from the file named by PATHS_FILE.
local paths = {}
init = function(args)
  for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
