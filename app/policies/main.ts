/*
| Bouncer policies, pre-registered so templates can use them by name.
*/
export const policies = {
  ProductPolicy: () => import('#policies/product_policy'),
  UserPolicy: () => import('#policies/user_policy'),
}
