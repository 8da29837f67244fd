export { readProviderAnswer, type ProviderAnswer } from '../provider-answer.js';
