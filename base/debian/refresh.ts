// Every pin of this image resolves from its recipe (Debian indexes); nothing to declare here.
import { defineRefresh } from '../../lib/refresh/index.ts'

export default defineRefresh({})
