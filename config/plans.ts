/**
 * Plans are named feature sets. An account names its plan; the engine and the
 * dashboard read the limits from here. Edit freely: nothing else hard-codes them.
 */
export interface Plan {
  label: string
  /** how often the scheduler polls Autotask for a product of this plan */
  syncIntervalMinutes: number
  /** "Sync Now" on the Sync Logs tab and `/toolbox sync now` */
  onDemandSync: boolean
  purchaseOrders: boolean
  maxProducts: number
}

const plans = {
  starter: {
    label: 'Starter',
    syncIntervalMinutes: 60,
    onDemandSync: false,
    purchaseOrders: false,
    maxProducts: 1,
  },
  professional: {
    label: 'Professional',
    syncIntervalMinutes: 15,
    onDemandSync: true,
    purchaseOrders: true,
    maxProducts: 3,
  },
  /** the `npm run demo` account: everything on, polling every minute */
  demo: {
    label: 'Demo',
    syncIntervalMinutes: 1,
    onDemandSync: true,
    purchaseOrders: true,
    maxProducts: 5,
  },
  enterprise: {
    label: 'Enterprise',
    syncIntervalMinutes: 5,
    onDemandSync: true,
    purchaseOrders: true,
    maxProducts: 25,
  },
} satisfies Record<string, Plan>

export type PlanName = keyof typeof plans
export const planNames = Object.keys(plans) as PlanName[]
export const defaultPlan: PlanName = 'professional'

export default plans
