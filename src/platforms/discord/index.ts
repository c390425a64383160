// The Discord adapter's public face: the bot, and the registration of its commands.
export { startDiscordBot, type DiscordBot, type DiscordBotOptions } from './bot.ts';
export { commandRegistrationJson, registerCommands, EDIT_MENU_COMMAND, IMAGE_OPTION, type RegisterOptions, type RegisterResult } from './registration.ts';
