/**
 * A random source that can be replayed: the seed comes from `envName` when set, else from the clock, and is printed
 * so a failing run can be repeated with `envName=<seed>`. mulberry32: small, fast and good enough for test timing.
 */
export function seededRandom(envName: string) {
  const given = process.env[envName]
  const seed = given ? Number(given) : Date.now() % 2 ** 32
  if (!Number.isSafeInteger(seed)) throw new Error(`${envName} must be an integer, got "${given}"`)
  console.log(`${envName}=${seed} (set it to replay this run's random choices)`)
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  return { seed, next }
}
