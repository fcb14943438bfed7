/*
| Bouncer abilities: none yet; authorisation lives in the policies of app/policies.
*/
export {}
